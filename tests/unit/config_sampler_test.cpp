#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "arch/glm4v_rope.h"
#include "sampling/sampler.h"
#include "sightline/config.h"
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
