// Image decoding: libjpeg(-turbo) for JPEG when available (the decoder PIL uses, so pixels match
// Python), libwebp for WebP, stb_image for PNG / BMP / GIF (and JPEG as a fallback).
// Sizes are read from the header first so decompression bombs are refused before any allocation.
#include <cstring>
#include <memory>

#include "sightline/error.h"
#include "sightline/image.h"
#include "util/files.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_NO_STDIO
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_JPEG
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifdef SIGHTLINE_HAVE_WEBP
#include <webp/decode.h>
#endif
#ifdef SIGHTLINE_HAVE_JPEG
#include <csetjmp>
#include <cstdio>
#include <jpeglib.h>
#endif

namespace sightline {
namespace {

enum class Format { Jpeg, Png, WebP, Bmp, Gif, Unknown };

Format sniff(const std::vector<uint8_t>& b) {
    auto starts = [&](const char* magic, size_t n, size_t at = 0) {
        return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
    };
    if (starts("\xFF\xD8\xFF", 3)) return Format::Jpeg;
    if (starts("\x89PNG\r\n\x1A\n", 8)) return Format::Png;
    if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return Format::WebP;
    if (starts("BM", 2)) return Format::Bmp;
    if (starts("GIF87a", 6) || starts("GIF89a", 6)) return Format::Gif;
    return Format::Unknown;
}

// EXIF orientation (1..8) from a JPEG APP1 segment; 1 when absent or unreadable.
int jpegExifOrientation(const std::vector<uint8_t>& b) {
    size_t i = 2;
    while (i + 4 <= b.size() && b[i] == 0xFF) {
        const uint8_t marker = b[i + 1];
        const size_t len = (size_t(b[i + 2]) << 8) | b[i + 3];
        if (marker == 0xDA || len < 2) break;  // start of scan: no more metadata
        if (marker == 0xE1 && i + 2 + len <= b.size() && len >= 16 && std::memcmp(&b[i + 4], "Exif\0\0", 6) == 0) {
            const uint8_t* t = &b[i + 10];
            const size_t tl = len - 8;
            const bool le = t[0] == 'I';
            auto u16 = [&](size_t o) -> unsigned { return o + 2 > tl ? 0 : le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1]; };
            auto u32 = [&](size_t o) -> size_t {
                if (o + 4 > tl) return 0;
                return le ? size_t(t[o]) | size_t(t[o + 1]) << 8 | size_t(t[o + 2]) << 16 | size_t(t[o + 3]) << 24
                          : size_t(t[o]) << 24 | size_t(t[o + 1]) << 16 | size_t(t[o + 2]) << 8 | size_t(t[o + 3]);
            };
            const size_t ifd = u32(4);
            const unsigned count = u16(ifd);
            for (unsigned k = 0; k < count; ++k) {
                const size_t e = ifd + 2 + size_t(k) * 12;
                if (u16(e) == 0x0112) {
                    const unsigned v = u16(e + 8);
                    return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
                }
            }
            return 1;
        }
        i += 2 + len;
    }
    return 1;
}

// Applies EXIF orientation as PIL's ImageOps.exif_transpose does.
RgbImage orient(RgbImage in, int orientation) {
    if (orientation <= 1) return in;
    const bool swap = orientation >= 5;
    RgbImage out;
    out.width = swap ? in.height : in.width;
    out.height = swap ? in.width : in.height;
    out.pixels.resize(in.pixels.size());
    for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x) {
            int sx = x, sy = y;  // source coordinates for output (x, y)
            switch (orientation) {
                case 2: sx = in.width - 1 - x; break;
                case 3: sx = in.width - 1 - x; sy = in.height - 1 - y; break;
                case 4: sy = in.height - 1 - y; break;
                case 5: sx = y; sy = x; break;
                case 6: sx = y; sy = in.height - 1 - x; break;
                case 7: sx = in.width - 1 - y; sy = in.height - 1 - x; break;
                case 8: sx = in.width - 1 - y; sy = x; break;
                default: break;
            }
            std::memcpy(&out.pixels[(size_t(y) * out.width + x) * 3], &in.pixels[(size_t(sy) * in.width + sx) * 3], 3);
        }
    }
    return out;
}

void checkSize(int64_t w, int64_t h, const std::string& name, const DecodeOptions& o) {
    if (w <= 0 || h <= 0) throwBadInput(name + ": image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
    // Header sizes reach 2^32 - 1 (PNG): the product may not fit, and such an image is over any limit.
    int64_t pixels = 0;
    const bool overflow = __builtin_mul_overflow(w, h, &pixels);
    if (overflow || pixels > o.maxPixels)
        throwBadInput(name + ": image is " + std::to_string(w) + "x" + std::to_string(h) + " = " +
                      (overflow ? std::string("more than 2^63") : std::to_string(pixels)) + " pixels, over the limit of " +
                      std::to_string(o.maxPixels) + " (possible decompression bomb)");
}

// Width and height straight from a PNG / GIF / BMP header (stb refuses huge sizes with a vague
// message, and a bomb deserves a clear one).
bool headerSize(const std::vector<uint8_t>& b, Format f, int64_t& w, int64_t& h) {
    auto be32 = [&](size_t o) { return int64_t(b[o]) << 24 | int64_t(b[o + 1]) << 16 | int64_t(b[o + 2]) << 8 | int64_t(b[o + 3]); };
    auto le16 = [&](size_t o) { return int64_t(b[o]) | int64_t(b[o + 1]) << 8; };
    auto le32s = [&](size_t o) { return int64_t(int32_t(uint32_t(b[o]) | uint32_t(b[o + 1]) << 8 | uint32_t(b[o + 2]) << 16 | uint32_t(b[o + 3]) << 24)); };
    if (f == Format::Png && b.size() >= 24) {
        w = be32(16);
        h = be32(20);
        return true;
    }
    if (f == Format::Gif && b.size() >= 10) {
        w = le16(6);
        h = le16(8);
        return true;
    }
    if (f == Format::Bmp && b.size() >= 26) {
        w = le32s(18);
        h = std::abs(le32s(22));  // negative height: top-down rows
        return true;
    }
    return false;
}

RgbImage decodeStb(const std::vector<uint8_t>& b, const std::string& name, const DecodeOptions& o) {
    if (int64_t hw = 0, hh = 0; headerSize(b, sniff(b), hw, hh)) checkSize(hw, hh, name, o);
    int w = 0, h = 0, comp = 0;
    if (!stbi_info_from_memory(b.data(), static_cast<int>(b.size()), &w, &h, &comp))
        throwBadInput(name + ": cannot read the image header (" + stbi_failure_reason() + ")");
    checkSize(w, h, name, o);
    // stb converts grey to RGB by replication and drops alpha, as PIL convert("RGB") does.
    std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(b.data(), static_cast<int>(b.size()), &w, &h, &comp, 3),
                                                   stbi_image_free);
    if (!data) throwBadInput(name + ": corrupt or truncated image (" + stbi_failure_reason() + ")");
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.assign(data.get(), data.get() + size_t(w) * h * 3);
    return img;
}

#ifdef SIGHTLINE_HAVE_JPEG
struct JpegErr {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

RgbImage decodeJpeg(const std::vector<uint8_t>& b, const std::string& name, const DecodeOptions& o) {
    jpeg_decompress_struct cinfo{};
    JpegErr err{};
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = [](j_common_ptr c) {
        auto* e = reinterpret_cast<JpegErr*>(c->err);
        (*c->err->format_message)(c, e->message);
        std::longjmp(e->jump, 1);
    };
    err.mgr.output_message = [](j_common_ptr) {};
    RgbImage img;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        throwBadInput(name + ": corrupt JPEG (" + err.message + ")");
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, b.data(), static_cast<unsigned long>(b.size()));
    jpeg_read_header(&cinfo, TRUE);
    if (static_cast<int64_t>(cinfo.image_width) * cinfo.image_height > o.maxPixels || cinfo.image_width == 0) {
        const auto w = cinfo.image_width, h = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        checkSize(w, h, name, o);
    }
    cinfo.out_color_space = JCS_RGB;  // CMYK / YCCK are refused by libjpeg here → clear error
    jpeg_start_decompress(&cinfo);
    img.width = static_cast<int>(cinfo.output_width);
    img.height = static_cast<int>(cinfo.output_height);
    img.pixels.resize(size_t(img.width) * img.height * 3);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = &img.pixels[size_t(cinfo.output_scanline) * img.width * 3];
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return img;
}
#endif

#ifdef SIGHTLINE_HAVE_WEBP
RgbImage decodeWebp(const std::vector<uint8_t>& b, const std::string& name, const DecodeOptions& o) {
    int w = 0, h = 0;
    if (!WebPGetInfo(b.data(), b.size(), &w, &h)) throwBadInput(name + ": corrupt WebP header");
    checkSize(w, h, name, o);
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(size_t(w) * h * 3);
    if (!WebPDecodeRGBInto(b.data(), b.size(), img.pixels.data(), img.pixels.size(), w * 3))
        throwBadInput(name + ": corrupt or truncated WebP image");
    return img;
}
#endif

}  // namespace

RgbImage decodeImage(const std::vector<uint8_t>& bytes, const std::string& name, const DecodeOptions& o) {
    if (static_cast<int64_t>(bytes.size()) > o.maxFileBytes) throwBadInput(name + ": file is too large");
    if (bytes.empty()) throwBadInput(name + ": file is empty");
    switch (sniff(bytes)) {
        case Format::Jpeg: {
#ifdef SIGHTLINE_HAVE_JPEG
            RgbImage img = decodeJpeg(bytes, name, o);
#else
            RgbImage img = decodeStb(bytes, name, o);
#endif
            return o.applyExifOrientation ? orient(std::move(img), jpegExifOrientation(bytes)) : img;
        }
        case Format::WebP:
#ifdef SIGHTLINE_HAVE_WEBP
            return decodeWebp(bytes, name, o);
#else
            throwBadInput(name + ": WebP support was not built in (libwebp missing at build time)");
#endif
        case Format::Png:
        case Format::Bmp:
        case Format::Gif:
            return decodeStb(bytes, name, o);
        case Format::Unknown:
            break;
    }
    throwBadInput(name + ": not a supported image (JPEG, PNG, WebP, BMP or GIF)");
}

bool imageFormatSupported(const std::string& f) {
#ifdef SIGHTLINE_HAVE_WEBP
    if (f == "webp") return true;
#endif
    return f == "jpeg" || f == "jpg" || f == "png" || f == "bmp" || f == "gif";
}

RgbImage decodeImageFile(const std::string& path, const DecodeOptions& o) {
    return decodeImage(util::readBinaryFile(path, o.maxFileBytes), path, o);
}

}  // namespace sightline
