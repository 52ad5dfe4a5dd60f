#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "arch/glm4v_rope.h"
#include "sampling/sampler.h"
#include "sightline/config.h"
#include "sightline/error.h"
#include "test_support.h"

using namespace sightline;

namespace {

TEST(Config, FixtureValuesComeFromTheFiles) {
    const ModelConfig c = loadModelConfig(test::fixturesDir() + "/model");
    EXPECT_EQ(c.text.hiddenSize, 96);
    EXPECT_EQ(c.text.numKvHeads, 1);
    EXPECT_EQ(c.text.headDim, 32);
    EXPECT_EQ(c.text.mropeSection, (std::vector<int64_t>{2, 3, 3}));
    EXPECT_DOUBLE_EQ(c.text.ropeTheta, 10000.0);
    EXPECT_EQ(c.imageTokenId, 690);
    EXPECT_EQ(c.eosTokenIds, (std::vector<int64_t>{656, 663, 665}));
    EXPECT_EQ(c.image.maxPixels, 50176);
    EXPECT_EQ(c.vision.headDim, 32);
}

TEST(Config, OldRopeLayoutIsAccepted) {
    auto j = test::readJson(test::fixturesDir() + "/model/config.json");
    auto& t = j["text_config"];
    t.erase("rope_parameters");
    t.erase("partial_rotary_factor");
    j["rope_theta"] = 500000.0;
    j["partial_rotary_factor"] = 0.5;
    j["rope_scaling"] = {{"rope_type", "default"}, {"mrope_section", {2, 3, 3}}};
    const ModelConfig c = parseModelConfigJson(j.dump(), "old.json");
    EXPECT_DOUBLE_EQ(c.text.ropeTheta, 500000.0);
    EXPECT_EQ(c.text.mropeSection, (std::vector<int64_t>{2, 3, 3}));
}

TEST(Config, InconsistentValuesAreRefused) {
    auto j = test::readJson(test::fixturesDir() + "/model/config.json");
    auto bad = j;
    bad["text_config"]["rope_parameters"]["mrope_section"] = {2, 3, 4};
    EXPECT_THROW(parseModelConfigJson(bad.dump(), "x"), Error);
    bad = j;
    bad["text_config"].erase("hidden_size");
    try {
        parseModelConfigJson(bad.dump(), "cfg.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("hidden_size"), std::string::npos);
    }
    bad = j;
    bad["image_token_id"] = 99999;
    EXPECT_THROW(parseModelConfigJson(bad.dump(), "x"), Error);
}

// --- config files are untrusted input -------------------------------------------------------

std::string badConfigMessage(const std::string& text) {
    try {
        parseModelConfigJson(text, "cfg.json");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "accepted";
    return {};
}

// The fixture config.json with `key` (a JSON pointer) set to `raw` JSON text.
std::string configWith(const std::string& pointer, const std::string& raw) {
    auto j = test::readJson(test::fixturesDir() + "/model/config.json");
    j[nlohmann::json::json_pointer(pointer)] = "@@VALUE@@";
    std::string text = j.dump();
    text.replace(text.find("\"@@VALUE@@\""), 11, raw);
    return text;
}

TEST(ConfigUntrusted, DeeplyNestedEosIsRefused) {
    // 1,000,000 levels: copying such a value recursed until the stack was gone (SIGSEGV).
    const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
    const std::string msg = badConfigMessage(configWith("/eos_token_id", deep));
    EXPECT_NE(msg.find("nested deeper"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
}

TEST(ConfigUntrusted, HugeNegativeAndZeroSizesAreRefusedBeforeUse) {
    const std::pair<const char*, const char*> cases[] = {
        {"/text_config/hidden_size", "1099511627776"},  // 2^40
        {"/text_config/hidden_size", "1e308"},          // a float cast to int64 was undefined behaviour
        {"/text_config/hidden_size", "96.5"},
        {"/text_config/vocab_size", "9223372036854775807"},
        {"/text_config/num_attention_heads", "-3"},
        {"/text_config/num_key_value_heads", "0"},
        {"/text_config/num_hidden_layers", "18446744073709551615"},
        {"/text_config/head_dim", "0"},
        {"/text_config/max_position_embeddings", "-1"},
        {"/text_config/rms_norm_eps", "-1e-5"},
        {"/text_config/rope_parameters/rope_theta", "-10000"},
        {"/text_config/rope_parameters/partial_rotary_factor", "4"},
        // The mrope sum overflowed int64 (UBSan: signed overflow at config.cpp:104).
        {"/text_config/rope_parameters/mrope_section", "[4611686018427387904, 4611686018427387904, 4611686018427387904]"},
        {"/text_config/rope_parameters/mrope_section", "[2, -3, 3]"},
        {"/vision_config/patch_size", "0"},
        {"/vision_config/patch_size", "-14"},
        {"/vision_config/hidden_size", "1099511627776"},
        {"/vision_config/spatial_merge_size", "1000000"},
        {"/vision_config/in_channels", "0"},
        {"/image_token_id", "1e308"},
        {"/image_token_id", "-1"},
        {"/eos_token_id", "[656, 1e300]"},
        {"/eos_token_id", "704"},
        {"/eos_token_id", "[[656]]"},
    };
    for (const auto& [pointer, raw] : cases) {
        SCOPED_TRACE(std::string(pointer) + " = " + raw);
        const std::string msg = badConfigMessage(configWith(pointer, raw));
        const std::string key = std::string(pointer).substr(std::string(pointer).rfind('/') + 1);
        EXPECT_NE(msg.find(key), std::string::npos) << msg;
    }
}

TEST(ConfigUntrusted, RealGlm46vConfigsStayWithinTheBounds) {
    // The bounds refuse absurd files, never a real checkpoint (the benchmark's full-size configs).
    for (const char* name : {"glm-4.6v-flash.config.json", "glm-4.6v-mid.config.json"}) {
        SCOPED_TRACE(name);
        const std::string path = std::string(SIGHTLINE_TEST_DATA_DIR) + "/../../tools/configs/" + name;
        const ModelConfig c = parseModelConfigJson(test::readFile(path), path);
        EXPECT_GT(c.text.hiddenSize, 96);
        EXPECT_FALSE(c.eosTokenIds.empty());
    }
}

TEST(ConfigUntrusted, GenerationAndPreprocessorFilesAreChecked) {
    struct Case {
        const char* file;
        const char* pointer;
        nlohmann::json value;
    };
    const Case cases[] = {
        {"generation_config.json", "/eos_token_id", nlohmann::json::array({656, -7})},
        {"generation_config.json", "/top_k", 1e308},
        {"generation_config.json", "/top_p", 5.0},
        {"generation_config.json", "/max_new_tokens", -1},
        {"preprocessor_config.json", "/patch_size", (int64_t(1) << 32) + 14},  // was narrowed to 14 and accepted
        {"preprocessor_config.json", "/size/longest_edge", 1e300},
        {"preprocessor_config.json", "/size/shortest_edge", -5},
        {"preprocessor_config.json", "/rescale_factor", -1.0},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.file) + c.pointer);
        const std::string dir = test::scratchDir("sightline-config", "gen");
        for (const char* f : {"config.json", "generation_config.json", "preprocessor_config.json"})
            test::writeFile(dir + "/" + f, test::readFile(test::fixturesDir() + "/model/" + f));
        auto j = test::readJson(dir + "/" + c.file);
        j[nlohmann::json::json_pointer(c.pointer)] = c.value;
        test::writeFile(dir + "/" + c.file, j.dump());
        try {
            loadModelConfig(dir);
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::BadInput);
            EXPECT_NE(std::string(e.what()).find(c.file), std::string::npos) << e.what();
        }
    }
    // A nested generation_config.json is refused like config.json.
    const std::string dir = test::scratchDir("sightline-config", "deep");
    for (const char* f : {"config.json", "preprocessor_config.json"})
        test::writeFile(dir + "/" + f, test::readFile(test::fixturesDir() + "/model/" + f));
    test::writeFile(dir + "/generation_config.json", "{\"eos_token_id\": " + std::string(200000, '[') + std::string(200000, ']') + "}");
    EXPECT_THROW(loadModelConfig(dir), Error);
}

TEST(RopeIndex, TextOnlyIsArange) {
    const ModelConfig c = loadModelConfig(test::fixturesDir() + "/model");
    const auto r = glm4vRopeIndex({1, 2, 3, 4}, {}, c);
    EXPECT_EQ(r.pos[0], (std::vector<int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(r.ropeDelta, 0);
}

TEST(RopeIndex, ImageBlockAndDelta) {
    const ModelConfig c = loadModelConfig(test::fixturesDir() + "/model");
    const int64_t I = c.imageTokenId;
    // text(2) + image grid 1x4x6 → 2x3 merged tokens + text(1)
    std::vector<int64_t> ids = {5, 6, I, I, I, I, I, I, 7};
    const auto r = glm4vRopeIndex(ids, {{1, 4, 6}}, c);
    EXPECT_EQ(r.pos[0], (std::vector<int64_t>{0, 1, 2, 2, 2, 2, 2, 2, 5}));
    EXPECT_EQ(r.pos[1], (std::vector<int64_t>{0, 1, 2, 2, 2, 3, 3, 3, 5}));
    EXPECT_EQ(r.pos[2], (std::vector<int64_t>{0, 1, 2, 3, 4, 2, 3, 4, 5}));
    EXPECT_EQ(r.ropeDelta, 6 - 9);
    EXPECT_THROW(glm4vRopeIndex(ids, {{1, 4, 4}}, c), Error);
    EXPECT_THROW(glm4vRopeIndex(ids, {}, c), Error);
}

TEST(Sampler, GreedyTakesTheFirstMaximum) {
    SamplingParams p;
    p.temperature = 0;
    Sampler s(p);
    std::vector<float> l = {0.1f, 3.f, 3.f, -1.f};
    float lp = 0;
    EXPECT_EQ(s.next(l, {}, &lp), 1);
    EXPECT_NEAR(lp, 3.f - std::log(std::exp(0.1) + 2 * std::exp(3.0) + std::exp(-1.0)), 1e-5);
}

TEST(Sampler, RepetitionPenaltyFollowsHf) {
    std::vector<float> l = {2.f, -2.f, 1.f};
    applyRepetitionPenalty(l, {0, 1, 1}, 2.0);
    EXPECT_FLOAT_EQ(l[0], 1.f);
    EXPECT_FLOAT_EQ(l[1], -4.f);
    EXPECT_FLOAT_EQ(l[2], 1.f);
    SamplingParams p;
    p.temperature = 0;
    p.repetitionPenalty = 3.0;
    Sampler s(p);
    std::vector<float> g = {2.f, 1.f};
    EXPECT_EQ(s.next(g, {0}), 1);  // 2/3 < 1
}

TEST(Sampler, TopKAndTopPRestrictTheCandidates) {
    SamplingParams p;
    p.temperature = 1.0;
    p.topK = 2;
    p.seed = 7;
    Sampler s(p);
    std::map<int64_t, int> seen;
    for (int i = 0; i < 400; ++i) {
        std::vector<float> l = {1.f, 0.9f, 0.8f, 0.7f};
        seen[s.next(l, {})]++;
    }
    EXPECT_EQ(seen.size(), 2u);
    EXPECT_TRUE(seen.count(0) && seen.count(1));

    SamplingParams q;
    q.temperature = 1.0;
    q.topP = 0.5;  // token 0 alone holds > 0.5 of the mass
    q.seed = 3;
    Sampler t(q);
    for (int i = 0; i < 100; ++i) {
        std::vector<float> l = {3.f, 1.f, 0.f};
        EXPECT_EQ(t.next(l, {}), 0);
    }
}

TEST(Sampler, SeedMakesSamplingReproducibleAndFrequenciesMatch) {
    SamplingParams p;
    p.temperature = 0.7;
    p.seed = 42;
    Sampler a(p), b(p);
    std::vector<int> counts(3, 0);
    for (int i = 0; i < 3000; ++i) {
        std::vector<float> l1 = {0.f, 0.5f, 1.f}, l2 = l1;
        const auto x = a.next(l1, {});
        EXPECT_EQ(x, b.next(l2, {}));
        counts[size_t(x)]++;
    }
    // softmax([0, .5, 1] / 0.7)
    const double e0 = 1, e1 = std::exp(0.5 / 0.7), e2 = std::exp(1 / 0.7), z = e0 + e1 + e2;
    EXPECT_NEAR(counts[2] / 3000.0, e2 / z, 0.03);
    EXPECT_NEAR(counts[0] / 3000.0, e0 / z, 0.03);
}

TEST(Sampler, TopLogprobsAreSortedAndNormalised) {
    SamplingParams p;
    p.temperature = 0;
    Sampler s(p);
    std::vector<float> l = {1.f, 2.f, 0.f};
    std::vector<TokenLogprob> top;
    s.next(l, {}, nullptr, &top, 2);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].id, 1);
    EXPECT_EQ(top[1].id, 0);
    const auto ls = logSoftmax({1.f, 2.f, 0.f});
    double total = 0;
    for (float v : ls) total += std::exp(v);
    EXPECT_NEAR(total, 1.0, 1e-6);
}

}  // namespace
