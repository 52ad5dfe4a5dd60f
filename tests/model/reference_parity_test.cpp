// Parity with transformers on checkpoints of other shapes (tests/reference/make_reference.py,
// run by the reference_generate CTest fixture), and the tokenizer against `tokenizers` on a
// generated corpus.
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include "arch/glm4v_rope.h"
#include "golden.h"
#include "model/glm4v_forward.h"
#include "model/model_impl.h"
#include "sightline/engine.h"
#include "sightline/scheduler.h"
#include "test_support.h"

using namespace sightline;
using nlohmann::json;

namespace {

std::vector<std::string> referenceModels() {
    std::vector<std::string> out;
    try {
        const json index = test::readJson(test::referenceDir() + "/index.json");
        for (const auto& m : index["models"]) out.push_back(m.get<std::string>());
    } catch (...) {
    }
    return out;
}

TEST(ReferenceParity, GeneratedReferenceExists) {
    // Guards against a silently empty parameterised suite: the generator must have produced models.
    EXPECT_GE(referenceModels().size(), 3u) << "run the reference_generate test first (ctest fixture 'reference')";
}

class ReferenceModel : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceModel, MatchesTransformers) {
    c10::InferenceMode guard;
    const std::string dir = test::referenceDir() + "/" + GetParam();
    const json ref = test::readJson(dir + "/reference.json");
    LoadOptions o;
    o.modelDir = dir;
    auto model = Model::load(o);
    const auto& impl = modelImpl(*model);
    for (const auto& c : ref["cases"]) {
        const std::string name = c["name"].get<std::string>();
        SCOPED_TRACE(GetParam() + "/" + name);
        auto g = test::loadGolden(dir + "/" + c["tensors"].get<std::string>());
        const auto messages = parseChatJson(c["messages"].dump(), ref["cases_dir"].get<std::string>());
        GenerationParams p;
        p.sampling.temperature = 0;
        p.maxNewTokens = 12;
        p.enableThinking = c["chat_template_kwargs"].value("enable_thinking", true);
        ChatTemplateOptions t;
        t.enableThinking = p.enableThinking;
        EXPECT_EQ(renderGlmChat(messages, t), c["prompt"].get<std::string>());

        std::vector<PreprocessedImage> images;
        const auto ids = model->promptIds(messages, p, &images);
        const auto goldIds = g["input_ids"];
        ASSERT_EQ(static_cast<int64_t>(ids.size()), goldIds.size(0));
        EXPECT_TRUE(at::equal(at::tensor(ids, at::kLong), goldIds));

        std::vector<ImageGrid> grids;
        for (const auto& im : images) grids.push_back({im.gridT, im.gridH, im.gridW});
        const auto rope = glm4vRopeIndex(ids, grids, impl.config);
        for (int s = 0; s < 3; ++s) EXPECT_TRUE(at::equal(at::tensor(rope.pos[s], at::kLong), g["position_ids"][s])) << "stream " << s;
        EXPECT_EQ(rope.ropeDelta, c["rope_delta"].get<int64_t>());

        at::Tensor imageEmbeds;
        if (!images.empty()) {
            std::vector<float> all;
            for (const auto& im : images) all.insert(all.end(), im.pixelValues.begin(), im.pixelValues.end());
            EXPECT_LT(test::maxAbsDiff(at::from_blob(all.data(), g["pixel_values"].sizes(), at::kFloat), g["pixel_values"]), 1e-5);
            imageEmbeds = glm4vVisionForward(impl.weights, impl.config, g["pixel_values"], grids);
            EXPECT_LT(test::maxAbsDiff(imageEmbeds, g["image_embeds"]), 1e-3) << "image_embeds";
        }
        KvCache cache = makeKvCache(impl.config, static_cast<int64_t>(ids.size()), impl.options);
        at::Tensor emb = glm4vEmbed(impl.weights, impl.config, goldIds, imageEmbeds);
        at::Tensor h = glm4vTextForward(impl.weights, impl.config, emb, g["position_ids"], cache);
        EXPECT_LT(test::maxAbsDiff(glm4vLogits(impl.weights, h), g["prefill_logits_last"]), 1e-3) << "prefill logits";

        const auto result = generateOnce(model, messages, p);
        EXPECT_EQ(result.outputIds, c["greedy_tokens"].get<std::vector<int64_t>>());
    }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ReferenceModel, ::testing::ValuesIn(referenceModels()), [](const auto& info) {
    std::string n = info.param;
    for (auto& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return n;
});
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ReferenceModel);

TEST(TokenizerCorpus, IdenticalToHuggingFaceTokenizers) {
    const json corpus = test::readJson(test::referenceDir() + "/tokenizer_corpus.json");
    ASSERT_GE(corpus.size(), 3000u);
    auto tok = Tokenizer::fromFile(test::fixturesDir() + "/model/tokenizer.json");
    size_t mismatches = 0;
    for (const auto& c : corpus) {
        const auto text = c["text"].get<std::string>();
        const auto ours = tok->encode(text);
        if (ours != c["ids"].get<std::vector<int64_t>>()) {
            if (++mismatches <= 5) ADD_FAILURE() << "tokenizer mismatch on " << json(text).dump();
        }
        EXPECT_EQ(tok->decode(ours), text);
    }
    EXPECT_EQ(mismatches, 0u);
}

}  // namespace
