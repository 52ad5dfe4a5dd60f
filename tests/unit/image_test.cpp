#include <gtest/gtest.h>

#include <cmath>

#include "model/safetensors.h"
#include "sightline/config.h"
#include "sightline/error.h"
#include "sightline/image.h"
#include "test_support.h"

using namespace sightline;

namespace {

std::string dataDir() { return SIGHTLINE_TEST_DATA_DIR; }

ImageProcessorConfig fixtureProcessor() {
    static const ModelConfig c = loadModelConfig(test::fixturesDir() + "/model");
    return c.image;
}

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::BadInput);
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return {};
}

TEST(Preprocess, FixtureImagesResizeGridAndPixels) {
    const auto pc = test::readJson(test::fixturesDir() + "/cases/preprocess_cases.json");
    auto full = SafetensorsFile::open(test::fixturesDir() + "/cases/preprocess_pixel_values.safetensors");
    int fullChecked = 0;
    for (const auto& c : pc["images"]) {
        const std::string name = c["name"].get<std::string>();
        SCOPED_TRACE(name);
        const RgbImage img = decodeImageFile(test::fixturesDir() + "/cases/" + c["image"].get<std::string>());
        EXPECT_EQ(img.width, c["width"].get<int>());
        EXPECT_EQ(img.height, c["height"].get<int>());
        const PreprocessedImage p = preprocessImage(img, fixtureProcessor());
        EXPECT_EQ(p.resizedHeight, c["resized_hw"][0].get<int>());
        EXPECT_EQ(p.resizedWidth, c["resized_hw"][1].get<int>());
        EXPECT_EQ(std::vector<int64_t>({p.gridT, p.gridH, p.gridW}), c["image_grid_thw"].get<std::vector<int64_t>>());
        EXPECT_EQ(p.numTokens, c["num_image_tokens"].get<int64_t>());
        double sum = 0;
        for (float v : p.pixelValues) sum += v;
        EXPECT_NEAR(sum, c["pixel_values_stats"]["sum"].get<double>(), 1e-5 * p.pixelValues.size());
        const auto first8 = c["pixel_values_row0_first8"].get<std::vector<float>>();
        for (size_t i = 0; i < first8.size(); ++i) EXPECT_NEAR(p.pixelValues[i], first8[i], 1e-5);
        auto it = full->tensors().find(name);
        if (it != full->tensors().end()) {
            ASSERT_EQ(it->second.bytes, p.pixelValues.size() * sizeof(float));
            const auto* ref = reinterpret_cast<const float*>(it->second.data);
            double worst = 0;
            for (size_t i = 0; i < p.pixelValues.size(); ++i) worst = std::max(worst, double(std::abs(p.pixelValues[i] - ref[i])));
            EXPECT_LT(worst, 1e-5);
            ++fullChecked;
        }
    }
    EXPECT_EQ(fullChecked, 3);
}

TEST(Preprocess, SmartResizeOnlyCasesAndErrors) {
    const auto pc = test::readJson(test::fixturesDir() + "/cases/preprocess_cases.json");
    for (const auto& c : pc["smart_resize_only"]) {
        const auto& lim = pc["limits"][c["limits"].get<std::string>()];
        const auto r = smartResize(c["height"].get<int>(), c["width"].get<int>(), 28, lim["shortest_edge"].get<int64_t>(),
                                   lim["longest_edge"].get<int64_t>());
        EXPECT_EQ(r.height, c["resized_hw"][0].get<int>()) << c.dump();
        EXPECT_EQ(r.width, c["resized_hw"][1].get<int>()) << c.dump();
    }
    for (const auto& c : pc["errors"]) {
        const auto msg = errorOf([&] { smartResize(c["height"].get<int>(), c["width"].get<int>(), 28, 12544, 50176); });
        EXPECT_NE(msg.find("aspect ratio"), std::string::npos) << msg;
    }
    // Round half to even: 126 px → 112 (std::round would give 140).
    EXPECT_EQ(smartResize(126, 126, 28, 1, 1 << 30).height, 112);
    // The spec's worked examples with the real GLM limits.
    EXPECT_EQ(smartResize(768, 1024, 28, 12544, 9633792).width, 1036);
    EXPECT_EQ(smartResize(3000, 4000, 28, 12544, 9633792).height, 1876);
}

TEST(Preprocess, MaxPixelsOverrideLowersTheBudget) {
    const RgbImage img = decodeImageFile(test::fixturesDir() + "/cases/images/img_640x480.png");
    const auto full = preprocessImage(img, fixtureProcessor());
    const auto small = preprocessImage(img, fixtureProcessor(), 20000);
    EXPECT_LT(small.numTokens, full.numTokens);
    EXPECT_LE(small.resizedHeight * small.resizedWidth * 2, 20000);
}

TEST(ImageDecode, AllFormatsGiveTheSamePixels) {
    const RgbImage png = decodeImageFile(dataDir() + "/pattern_40x20.png");
    ASSERT_EQ(png.width, 40);
    ASSERT_EQ(png.height, 20);
    for (const char* f : {"pattern_40x20.bmp", "pattern_40x20.gif", "pattern_40x20.webp"}) {
        SCOPED_TRACE(f);
        if (std::string(f).find("webp") != std::string::npos && !imageFormatSupported("webp")) {
            // A build without libwebp (the CUDA machine's) must say so, not crash or misdecode.
            EXPECT_NE(errorOf([&] { decodeImageFile(dataDir() + "/" + f); }).find("WebP support was not built in"), std::string::npos);
            continue;
        }
        const RgbImage other = decodeImageFile(dataDir() + "/" + f);
        EXPECT_EQ(other.width, 40);
        EXPECT_EQ(other.pixels, png.pixels);
    }
}

TEST(ImageDecode, JpegMatchesPilAndHonoursExif) {
    const auto ref = test::readJson(dataDir() + "/pil_decode.json");
    const RgbImage jpg = decodeImageFile(dataDir() + "/pattern_40x20.jpg");
    int64_t sum = 0;
    for (auto v : jpg.pixels) sum += v;
    // libjpeg(-turbo) is PIL's decoder; stb_image (the fallback) may differ by a level or two.
    EXPECT_NEAR(static_cast<double>(sum), ref["jpeg_pixel_sum"].get<double>(), 0.01 * ref["jpeg_pixel_sum"].get<double>());
    const RgbImage rotated = decodeImageFile(dataDir() + "/pattern_40x20_exif6.jpg");
    EXPECT_EQ(rotated.width, ref["exif6_size"][0].get<int>());
    EXPECT_EQ(rotated.height, ref["exif6_size"][1].get<int>());
    for (int i = 0; i < 4; ++i)
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(rotated.pixels[size_t(i) * 3 + c], ref["exif6_first_pixels"][i][c].get<int>(), 8);
    DecodeOptions raw;
    raw.applyExifOrientation = false;
    EXPECT_EQ(decodeImageFile(dataDir() + "/pattern_40x20_exif6.jpg", raw).width, 40);
}

TEST(ImageDecode, GrayAndAlphaBecomeRgb) {
    const RgbImage g = decodeImageFile(test::fixturesDir() + "/cases/preprocess/pp_gray_50x77.png");
    EXPECT_EQ(g.pixels.size(), size_t(50) * 77 * 3);
    EXPECT_EQ(g.pixels[0], g.pixels[1]);
    const RgbImage a = decodeImageFile(test::fixturesDir() + "/cases/preprocess/pp_rgba_60x45.png");
    EXPECT_EQ(a.pixels.size(), size_t(60) * 45 * 3);
}

TEST(ImageDecode, BadFilesAreClearErrors) {
    const std::string png = test::readFile(dataDir() + "/pattern_40x20.png");
    const std::string jpg = test::readFile(dataDir() + "/pattern_40x20.jpg");
    auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
    EXPECT_NE(errorOf([&] { decodeImage({}, "empty.png"); }).find("empty"), std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImage(bytes("hello, not an image"), "x.txt"); }).find("not a supported image"), std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImage(bytes(png.substr(0, png.size() / 2)), "half.png"); }).find("half.png"), std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImage(bytes(jpg.substr(0, 200)), "half.jpg"); }).find("half.jpg"), std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImageFile("/nonexistent/a.png"); }).find("cannot open"), std::string::npos);

    // Decompression bomb: a PNG header claiming 100000 x 100000 pixels is refused before decoding.
    std::string bomb = png;
    const uint32_t big = __builtin_bswap32(100000);
    bomb.replace(16, 4, reinterpret_cast<const char*>(&big), 4);
    bomb.replace(20, 4, reinterpret_cast<const char*>(&big), 4);
    EXPECT_NE(errorOf([&] { decodeImage(bytes(bomb), "bomb.png"); }).find("decompression bomb"), std::string::npos);
    DecodeOptions tiny;
    tiny.maxPixels = 100;
    EXPECT_NE(errorOf([&] { decodeImage(bytes(jpg), "big.jpg", tiny); }).find("over the limit"), std::string::npos);
    tiny.maxFileBytes = 10;
    EXPECT_NE(errorOf([&] { decodeImage(bytes(png), "big.png", tiny); }).find("too large"), std::string::npos);
}

// Found by fuzz_image: a PNG header of 4294967295 x 4294967295 overflowed the pixel count (signed
// int64), which wrapped negative and slipped past the bomb check.
TEST(ImageDecode, HeaderSizeProductOverflowIsABomb) {
    std::string bomb = test::readFile(dataDir() + "/pattern_40x20.png");
    const uint32_t huge = 0xFFFFFFFFu;
    bomb.replace(16, 4, reinterpret_cast<const char*>(&huge), 4);
    bomb.replace(20, 4, reinterpret_cast<const char*>(&huge), 4);
    const std::string message = errorOf([&] { decodeImage(std::vector<uint8_t>(bomb.begin(), bomb.end()), "huge.png"); });
    EXPECT_NE(message.find("decompression bomb"), std::string::npos) << message;
}

}  // namespace
