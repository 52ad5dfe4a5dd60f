// Every way a checkpoint can be broken ends in Error(BadInput) naming the file and the tensor.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "checkpoint_edit.h"
#include "sightline/engine.h"

using namespace sightline;
namespace fs = std::filesystem;

namespace {

// Loads dir and returns the error message; fails the test if loading succeeds or the kind differs.
std::string loadError(const std::string& dir, ErrorKind kind = ErrorKind::BadInput, const std::atomic<bool>* cancel = nullptr,
                      std::function<void(const LoadProgress&)> progress = {}) {
    LoadOptions o;
    o.modelDir = dir;
    o.cancel = cancel;
    o.onProgress = std::move(progress);
    try {
        Model::load(o);
    } catch (const Error& e) {
        EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "loading " << dir << " succeeded";
    return {};
}

const std::string kTensor = "model.language_model.layers.1.mlp.down_proj.weight";

TEST(BadCheckpoint, ReferenceCopyLoads) {
    const auto dir = test::copyCheckpoint("model", "ok");
    LoadOptions o;
    o.modelDir = dir;
    EXPECT_NO_THROW(Model::load(o));
}

TEST(BadCheckpoint, TruncatedFile) {
    const auto dir = test::copyCheckpoint("model", "trunc");
    const auto path = dir + "/model.safetensors";
    fs::resize_file(path, fs::file_size(path) - 4096);
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(BadCheckpoint, HeaderLengthPastEnd) {
    const auto dir = test::copyCheckpoint("model", "hdr");
    std::string bytes = test::readFile(dir + "/model.safetensors");
    const uint64_t huge = bytes.size() * 2;
    bytes.replace(0, 8, std::string(reinterpret_cast<const char*>(&huge), 8));
    test::writeFile(dir + "/model.safetensors", bytes);
    EXPECT_NE(loadError(dir).find("header length"), std::string::npos);
}

TEST(BadCheckpoint, MalformedHeaderJson) {
    const auto dir = test::copyCheckpoint("model", "hjson");
    std::string bytes = test::readFile(dir + "/model.safetensors");
    bytes[8] = '[';
    bytes[9] = '!';
    test::writeFile(dir + "/model.safetensors", bytes);
    EXPECT_NE(loadError(dir).find("malformed safetensors header"), std::string::npos);
}

TEST(BadCheckpoint, OffsetsOutOfRange) {
    const auto dir = test::copyCheckpoint("model", "offs");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    test::writeRawTensors(dir + "/model.safetensors", t, [](auto& header) { header[kTensor]["data_offsets"] = {0, 1ull << 40}; });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find(kTensor), std::string::npos) << msg;
    EXPECT_NE(msg.find("outside"), std::string::npos) << msg;
}

TEST(BadCheckpoint, MissingTensor) {
    const auto dir = test::copyCheckpoint("model", "missing");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    t.erase(kTensor);
    test::writeRawTensors(dir + "/model.safetensors", t);
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find(kTensor), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST(BadCheckpoint, ExtraTensor) {
    const auto dir = test::copyCheckpoint("model", "extra");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    t["model.language_model.layers.7.mlp.down_proj.weight"] = t[kTensor];
    test::writeRawTensors(dir + "/model.safetensors", t);
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("layers.7"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected"), std::string::npos) << msg;
}

TEST(BadCheckpoint, ShapeMismatchWithConfig) {
    const auto dir = test::copyCheckpoint("model", "shape");
    test::editJson(dir + "/config.json", [](auto& j) { j["text_config"]["intermediate_size"] = 192; });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("gate_up_proj"), std::string::npos) << msg;
    EXPECT_NE(msg.find("shape"), std::string::npos) << msg;
}

TEST(BadCheckpoint, UnsupportedDtype) {
    const auto dir = test::copyCheckpoint("model", "dtype");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    t[kTensor].dtype = "F8_E4M3";
    test::writeRawTensors(dir + "/model.safetensors", t);
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("F8_E4M3"), std::string::npos) << msg;
    EXPECT_NE(msg.find(kTensor), std::string::npos) << msg;
}

TEST(BadCheckpoint, IntegerTensorWhereWeightsBelong) {
    const auto dir = test::copyCheckpoint("model", "int");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    t[kTensor].dtype = "I16";  // same byte size as bf16, not a supported storage type at all
    test::writeRawTensors(dir + "/model.safetensors", t);
    EXPECT_NE(loadError(dir).find("unsupported dtype"), std::string::npos);
}

TEST(BadCheckpoint, UnknownArchitecture) {
    const auto dir = test::copyCheckpoint("model", "arch");
    test::editJson(dir + "/config.json", [](auto& j) { j["architectures"] = {"LlamaForCausalLM"}; });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("LlamaForCausalLM"), std::string::npos) << msg;
    EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
}

TEST(BadCheckpoint, MalformedConfigJson) {
    const auto dir = test::copyCheckpoint("model", "cfgjson");
    test::writeFile(dir + "/config.json", "{\"architectures\": [");
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("config.json"), std::string::npos);
    EXPECT_NE(msg.find("malformed JSON"), std::string::npos);
}

TEST(BadCheckpoint, MissingShard) {
    const auto dir = test::copyCheckpoint("model-sharded", "shard");
    fs::remove(dir + "/model-00002-of-00002.safetensors");
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("model-00002-of-00002.safetensors"), std::string::npos) << msg;
}

TEST(BadCheckpoint, IndexPointsAtWrongShard) {
    const auto dir = test::copyCheckpoint("model-sharded", "index");
    test::editJson(dir + "/model.safetensors.index.json",
                   [](auto& j) { j["weight_map"]["lm_head.weight"] = "model-00001-of-00002.safetensors"; });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("lm_head.weight"), std::string::npos) << msg;
}

TEST(BadCheckpoint, NoWeightsAtAll) {
    const auto dir = test::copyCheckpoint("model", "noweights");
    fs::remove(dir + "/model.safetensors");
    EXPECT_NE(loadError(dir).find("model.safetensors"), std::string::npos);
}

TEST(BadCheckpoint, TokenizerFromAnotherModel) {
    const auto dir = test::copyCheckpoint("model", "tok");
    test::editJson(dir + "/config.json", [](auto& j) { j["image_token_id"] = 691; });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("<|image|>"), std::string::npos) << msg;
}

// The checkpoint's chat template is parsed at load: one the interpreter cannot run is refused there,
// naming the file, line and construct (never a failure at the first request).
TEST(BadCheckpoint, ChatTemplateWithAnUnsupportedConstruct) {
    const auto dir = test::copyCheckpoint("model", "template");
    test::writeFile(dir + "/chat_template.jinja", "[gMASK]<sop>\n{% for m in messages %}{{ m.content | wordwrap(10) }}{% endfor %}");
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("chat_template.jinja line 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"wordwrap\""), std::string::npos) << msg;
}

// A template that renders fewer image markers than the request has images (the fixture template
// ignores image parts without "type") is refused with the count, not an internal error.
TEST(BadCheckpoint, TemplateThatDropsAnImagePart) {
    LoadOptions o;
    o.modelDir = test::fixturesDir() + "/model";
    const auto model = Model::load(o);
    const auto messages =
        parseChatJson(R"([{"role": "user", "content": [{"image": "images/img_1x1.png"}, {"type": "text", "text": "q"}]}])",
                      test::fixturesDir() + "/cases");
    try {
        (void)model->promptIds(messages, defaultGenerationParams(model->config()));
        ADD_FAILURE() << "a dropped image part was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        EXPECT_NE(std::string(e.what()).find("renders 0 image or video markers for 1 attachments"), std::string::npos) << e.what();
    }
}

TEST(BadCheckpoint, NotAFolderOfAModel) {
    EXPECT_NE(loadError("/nonexistent/sightline").find("config.json"), std::string::npos);
}

TEST(BadCheckpoint, CancelledMidLoad) {
    std::atomic<bool> cancel{false};
    const auto msg = loadError(test::fixturesDir() + "/model", ErrorKind::Cancelled, &cancel, [&](const LoadProgress& p) {
        if (p.stage == "weights" && p.done == 5) cancel = true;
    });
    EXPECT_NE(msg.find("cancelled"), std::string::npos);
}

TEST(BadCheckpoint, ProgressReportsEveryTensor) {
    LoadOptions o;
    o.modelDir = test::fixturesDir() + "/model";
    int64_t last = 0, total = 0;
    o.onProgress = [&](const LoadProgress& p) {
        if (p.stage == "weights") {
            EXPECT_EQ(p.done, last + 1);
            last = p.done;
            total = p.total;
        }
    };
    Model::load(o);
    EXPECT_EQ(last, 56);
    EXPECT_EQ(total, 56);
}

// --- checkpoints come from the internet: untrusted input -------------------------------------

TEST(BadCheckpoint, ShapeWhoseElementCountWraps) {
    // 2^32 x 2^32 elements wrapped to 0 and matched an empty data range.
    const auto dir = test::copyCheckpoint("model", "wrap");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    test::writeRawTensors(dir + "/model.safetensors", t, [](auto& header) {
        header[kTensor]["shape"] = {1ull << 32, 1ull << 32};
        header[kTensor]["data_offsets"] = {0, 0};
    });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find(kTensor), std::string::npos) << msg;
    EXPECT_NE(msg.find("too large"), std::string::npos) << msg;
}

TEST(BadCheckpoint, DeeplyNestedHeaderAndIndexJson) {
    const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
    auto dir = test::copyCheckpoint("model", "deephdr");
    auto t = test::readRawTensors(dir + "/model.safetensors");
    test::writeRawTensors(dir + "/model.safetensors", t, [](auto& header) { header["__metadata__"] = {{"x", "@@DEEP@@"}}; });
    const std::string bytes = test::readFile(dir + "/model.safetensors");
    // Splice the nesting into the header text and fix its length.
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    std::string header = bytes.substr(8, n);
    const std::string data = bytes.substr(8 + n);
    header.replace(header.find("\"@@DEEP@@\""), 10, deep);
    while (header.size() % 8) header += ' ';
    n = header.size();
    test::writeFile(dir + "/model.safetensors", std::string(reinterpret_cast<const char*>(&n), 8) + header + data);
    EXPECT_NE(loadError(dir).find("nested deeper"), std::string::npos);

    dir = test::copyCheckpoint("model", "deepidx");
    test::writeFile(dir + "/model.safetensors.index.json", "{\"weight_map\": " + deep + "}");
    EXPECT_NE(loadError(dir).find("model.safetensors.index.json"), std::string::npos);
}

TEST(BadCheckpoint, TokenizerWithAnIdOutsideItsArrays) {
    // A negative id was written at idToToken[-1] (ASan: heap-buffer-overflow).
    const auto dir = test::copyCheckpoint("model", "tokid");
    test::editJson(dir + "/tokenizer.json", [](nlohmann::json& j) { j["model"]["vocab"]["zz_bad"] = -1; });
    const auto msg = loadError(dir);
    EXPECT_NE(msg.find("tokenizer.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("zz_bad"), std::string::npos) << msg;
}

}  // namespace
