#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <future>

#include "model/safetensors.h"
#include "sightline/config.h"
#include "sightline/error.h"
#include "sightline/image.h"
#include "test_support.h"

using namespace sightline;

namespace {

std::string dataDir() {
    return SIGHTLINE_TEST_DATA_DIR;
}

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
    // A few bytes declaring a 1 GiB IDAT: refused from the chunk lengths, before the decoder sizes a
    // buffer by them (stb_image allocated 2 GiB for such a 308-byte input: fuzz_chat).
    std::string liar = png;
    const size_t idat = liar.find("IDAT") - 4;
    const uint32_t huge = __builtin_bswap32(uint32_t(1) << 30);
    liar.replace(idat, 4, reinterpret_cast<const char*>(&huge), 4);
    liar.resize(idat + 8 + 30);
    EXPECT_NE(errorOf([&] { decodeImage(bytes(liar), "liar.png"); }).find("an IDAT chunk declares 1073741824 bytes, 30 remain"),
              std::string::npos);
    DecodeOptions tiny;
    tiny.maxPixels = 100;
    EXPECT_NE(errorOf([&] { decodeImage(bytes(jpg), "big.jpg", tiny); }).find("over the limit"), std::string::npos);
    tiny.maxFileBytes = 10;
    EXPECT_NE(errorOf([&] { decodeImage(bytes(png), "big.png", tiny); }).find("too large"), std::string::npos);
}

// --- header-only probe and the decoded-pixel cap ----------------------------------------------

std::vector<uint8_t> pngClaiming(uint32_t width, uint32_t height, size_t bodyBytes) {
    // A PNG signature and IHDR declaring width x height RGB, then an IDAT of garbage: enough for any
    // header reader, and an attempt to decode it would fail as corrupt, not as too large.
    std::string b = "\x89PNG\r\n\x1A\n";
    auto be32 = [&](uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((v >> s) & 0xFF);
    };
    be32(13);
    b += "IHDR";
    be32(width);
    be32(height);
    b += std::string("\x08\x02\x00\x00\x00", 5);
    be32(0);  // CRC (not checked by readers of the size)
    be32(static_cast<uint32_t>(bodyBytes));
    b += "IDAT";
    for (size_t i = 0; i < bodyBytes; ++i) b += static_cast<char>((i * 131) & 0xFF);
    be32(0);
    be32(0);
    b += "IEND";
    be32(0);
    return std::vector<uint8_t>(b.begin(), b.end());
}

TEST(ImageProbe, ReadsFormatAndSizeOfEveryFormat) {
    const std::pair<const char*, ImageFormat> files[] = {{"pattern_40x20.png", ImageFormat::Png},
                                                         {"pattern_40x20.jpg", ImageFormat::Jpeg},
                                                         {"pattern_40x20.gif", ImageFormat::Gif},
                                                         {"pattern_40x20.bmp", ImageFormat::Bmp},
                                                         {"pattern_40x20.webp", ImageFormat::WebP}};
    for (const auto& [f, format] : files) {
        SCOPED_TRACE(f);
        const std::string s = test::readFile(dataDir() + "/" + f);
        const ImageProbe p = probeImage(std::vector<uint8_t>(s.begin(), s.end()), f);
        EXPECT_EQ(p.format, format);
        EXPECT_EQ(p.width, 40);
        EXPECT_EQ(p.height, 20);
        EXPECT_EQ(p.pixels(), 800);
        if (format != ImageFormat::WebP || imageFormatSupported("webp")) {
            const RgbImage img = decodeImageFile(dataDir() + "/" + f);
            EXPECT_EQ(img.width, p.width);
            EXPECT_EQ(img.height, p.height);
        }
    }
    // EXIF orientation 6 turns the 40x20 JPEG a quarter: the probe says what decoding will give.
    const std::string rot = test::readFile(dataDir() + "/pattern_40x20_exif6.jpg");
    const std::vector<uint8_t> rotBytes(rot.begin(), rot.end());
    EXPECT_EQ(probeImage(rotBytes, "r.jpg").width, 20);
    EXPECT_EQ(probeImage(rotBytes, "r.jpg").height, 40);
    DecodeOptions raw;
    raw.applyExifOrientation = false;
    EXPECT_EQ(probeImage(rotBytes, "r.jpg", raw).width, 40);

    // Headers cut short, unknown formats and empty sizes are clear errors.
    const std::string png = test::readFile(dataDir() + "/pattern_40x20.png");
    for (size_t n : {0, 3, 8, 12, 20, 23}) {
        SCOPED_TRACE(n);
        EXPECT_NE(errorOf([&] { probeImage(reinterpret_cast<const uint8_t*>(png.data()), n, "cut.png"); }).find("cut.png"),
                  std::string::npos);
    }
    EXPECT_NE(errorOf([&] { probeImage(std::vector<uint8_t>{'a', 'b', 'c'}, "x"); }).find("not a supported image"), std::string::npos);
    EXPECT_NE(errorOf([&] { probeImage(pngClaiming(0, 10, 10), "zero.png"); }).find("no pixels"), std::string::npos);
    EXPECT_NE(errorOf([&] { probeImage(pngClaiming(0xFFFFFFFFu, 0xFFFFFFFFu, 10), "huge.png"); }).find("huge.png"), std::string::npos);
}

TEST(ImageProbe, BombIsRefusedByItsHeaderBeforeDecoding) {
    // A 20 KB PNG declaring 13000 x 13000 (169 MP, 507 MB of RGB once decoded).
    const std::vector<uint8_t> bomb = pngClaiming(13000, 13000, 20000);
    ASSERT_LT(bomb.size(), 21000u);
    const ImageProbe p = probeImage(bomb, "bomb.png");
    EXPECT_EQ(p.format, ImageFormat::Png);
    EXPECT_EQ(p.width, 13000);
    EXPECT_EQ(p.pixels(), int64_t(169000000));
    // A server's cap per image (or what is left of its cap per request) refuses it from the probe.
    const int64_t cap = 50000000;
    std::string msg = errorOf([&] { checkImagePixels(p, cap, "bomb.png"); });
    EXPECT_NE(msg.find("over the limit of 50000000"), std::string::npos) << msg;
    checkImagePixels(probeImage(pngClaiming(4000, 3000, 10), "ok.png"), cap, "ok.png");  // 12 MP passes
    // The decoder applies its own cap the same way, before decoding: the IDAT is garbage, so a
    // decode attempt would have reported corruption instead.
    DecodeOptions o;
    o.maxPixels = cap;
    msg = errorOf([&] { decodeImage(bomb, "bomb.png", o); });
    EXPECT_NE(msg.find("over the limit of 50000000"), std::string::npos) << msg;
    // The default cap sits far above a 48 MP photo and below 400 MP.
    EXPECT_GT(kDefaultMaxImagePixels, int64_t(8000) * 6000 * 3);
    msg = errorOf([&] { decodeImage(pngClaiming(20000, 20000, 100), "400mp.png"); });
    EXPECT_NE(msg.find("over the limit of " + std::to_string(kDefaultMaxImagePixels)), std::string::npos) << msg;
}

// --- image files: regular files only, size capped before reading -------------------------------

TEST(ImageFiles, DevicesFoldersAndFifosAreRefusedWithoutBlocking) {
    const std::string dir = test::scratchDir("sightline-image", "files");
    EXPECT_NE(errorOf([&] { decodeImageFile("/dev/zero"); }).find("not a regular file"), std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImageFile(dir); }).find("folder"), std::string::npos);
    ASSERT_EQ(::symlink("/dev/zero", (dir + "/zero.png").c_str()), 0);
    EXPECT_NE(errorOf([&] { decodeImageFile(dir + "/zero.png"); }).find("not a regular file"), std::string::npos);

    // A FIFO with no writer: opening it for reading used to wait for a writer forever.
    const std::string fifo = dir + "/pipe.png";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto pending = std::async(std::launch::async, [&] { return errorOf([&] { decodeImageFile(fifo); }); });
    if (pending.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        ADD_FAILURE() << "decodeImageFile blocked on a FIFO";
        const int w = ::open(fifo.c_str(), O_WRONLY);  // let the stuck reader go, then close at once
        if (w >= 0) ::close(w);
    }
    EXPECT_NE(pending.get().find("not a regular file"), std::string::npos);
}

TEST(ImageFiles, SizeIsCappedBeforeReadingAndNamed) {
    const std::string dir = test::scratchDir("sightline-image", "cap");
    const std::string png = test::readFile(dataDir() + "/pattern_40x20.png");
    test::writeFile(dir + "/a.png", png);
    DecodeOptions o;
    o.maxFileBytes = static_cast<int64_t>(png.size()) - 1;
    const std::string msg = errorOf([&] { decodeImageFile(dir + "/a.png", o); });
    EXPECT_NE(msg.find("over the limit of " + std::to_string(png.size() - 1) + " bytes"), std::string::npos) << msg;
    o.maxFileBytes = static_cast<int64_t>(png.size());
    EXPECT_EQ(decodeImageFile(dir + "/a.png", o).width, 40);
}

TEST(ImageFiles, UniformErrorsDoNotTellWhatIsThere) {
    // For a server: missing, a folder and a device all read the same (FIFOs: the test above).
    const std::string dir = test::scratchDir("sightline-image", "uniform");
    DecodeOptions o;
    o.uniformFileErrors = true;
    for (const std::string& path : {dir + "/missing.png", dir, std::string("/dev/zero")}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(errorOf([&] { decodeImageFile(path, o); }), "cannot read " + path);
    }
    // The default keeps the detail a local user needs.
    EXPECT_NE(errorOf([&] { decodeImageFile(dir + "/missing.png"); }).find("No such file"), std::string::npos);
}

// Found by fuzz_image: a PNG header of 4294967295 x 4294967295 overflowed the pixel count (signed
// int64), which wrapped negative and slipped past the bomb check.
TEST(ImageDecode, HeaderSizeProductOverflowIsABomb) {
    std::string bomb = test::readFile(dataDir() + "/pattern_40x20.png");
    const uint32_t huge = 0xFFFFFFFFu;
    bomb.replace(16, 4, reinterpret_cast<const char*>(&huge), 4);
    bomb.replace(20, 4, reinterpret_cast<const char*>(&huge), 4);
    const std::string message = errorOf([&] { decodeImage(std::vector<uint8_t>(bomb.begin(), bomb.end()), "huge.png"); });
    // Refused from the header, with the sizes named (UBSan in the sanitizer build catches the overflow).
    EXPECT_NE(message.find("huge.png"), std::string::npos) << message;
    EXPECT_NE(message.find("4294967295"), std::string::npos) << message;
    ImageProbe p;
    p.width = p.height = 0xFFFFFFFFll;
    EXPECT_EQ(p.pixels(), INT64_MAX);  // saturates instead of wrapping negative
}

}  // namespace
