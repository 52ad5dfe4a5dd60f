// Image headers: format by magic bytes, decoded size from the header fields alone (no pixel is
// decoded, nothing is allocated), EXIF orientation of JPEGs.
#include <climits>
#include <cstring>

#include "sightline/error.h"
#include "vision/image_header.h"

namespace sightline {
namespace vision {
namespace {

struct Bytes {
    const uint8_t* data;
    size_t size;
    bool has(size_t at, size_t n) const { return at <= size && n <= size - at; }
    bool starts(const char* magic, size_t n, size_t at = 0) const { return has(at, n) && std::memcmp(data + at, magic, n) == 0; }
    int64_t be16(size_t o) const { return int64_t(data[o]) << 8 | data[o + 1]; }
    int64_t be32(size_t o) const { return be16(o) << 16 | be16(o + 2); }
    int64_t le16(size_t o) const { return int64_t(data[o]) | int64_t(data[o + 1]) << 8; }
    int64_t le24(size_t o) const { return le16(o) | int64_t(data[o + 2]) << 16; }
    uint32_t le32(size_t o) const { return uint32_t(le16(o)) | uint32_t(le16(o + 2)) << 16; }
};

// EXIF orientation (1..8) from a JPEG APP1 segment; 1 when absent or unreadable.
int jpegExifOrientation(const Bytes& b) {
    size_t i = 2;
    while (b.has(i, 4) && b.data[i] == 0xFF) {
        const uint8_t marker = b.data[i + 1];
        const auto len = static_cast<size_t>(b.be16(i + 2));
        if (marker == 0xDA || len < 2) break;  // start of scan: no more metadata
        if (marker == 0xE1 && b.has(i + 2, len) && len >= 16 && std::memcmp(b.data + i + 4, "Exif\0\0", 6) == 0) {
            const uint8_t* t = b.data + i + 10;
            const size_t tl = len - 8;
            const bool le = t[0] == 'I';
            auto u16 = [&](size_t o) -> unsigned {
                return o + 2 > tl || o + 2 < o ? 0 : le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1];
            };
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

// The first frame header (SOFn) of a JPEG: the size libjpeg will decode.
bool jpegSize(const Bytes& b, int64_t& w, int64_t& h) {
    size_t i = 2;
    while (b.has(i, 2)) {
        if (b.data[i] != 0xFF) return false;  // not at a marker: corrupt
        const uint8_t m = b.data[i + 1];
        if (m == 0xFF) {  // fill byte
            ++i;
            continue;
        }
        if (m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) {  // markers without a length
            i += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA || !b.has(i + 2, 2)) return false;  // image data before any frame header
        const auto len = static_cast<size_t>(b.be16(i + 2));
        if (len < 2) return false;
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {  // SOF0..SOF15 (not DHT, JPG, DAC)
            if (!b.has(i + 5, 4)) return false;
            h = b.be16(i + 5);
            w = b.be16(i + 7);
            return true;
        }
        i += 2 + len;
    }
    return false;
}

// Canvas size of a WebP (lossy VP8, lossless VP8L or extended VP8X), as WebPGetInfo reports it.
bool webpSize(const Bytes& b, int64_t& w, int64_t& h) {
    if (b.starts("VP8 ", 4, 12) && b.has(20, 10) && b.data[23] == 0x9D && b.data[24] == 0x01 && b.data[25] == 0x2A) {
        w = b.le16(26) & 0x3FFF;
        h = b.le16(28) & 0x3FFF;
        return true;
    }
    if (b.starts("VP8L", 4, 12) && b.has(20, 5) && b.data[20] == 0x2F) {
        const uint32_t bits = b.le32(21);
        w = int64_t(bits & 0x3FFF) + 1;
        h = int64_t((bits >> 14) & 0x3FFF) + 1;
        return true;
    }
    if (b.starts("VP8X", 4, 12) && b.has(20, 10)) {
        w = b.le24(24) + 1;
        h = b.le24(27) + 1;
        return true;
    }
    return false;
}

// A PNG's image data (IDAT chunks) must lie inside the file. stb_image grows its compressed-data
// buffer to the length an IDAT chunk declares before it reads it, so a few hundred bytes declaring a
// 1 GB IDAT made it allocate 2 GiB (found by fuzz_chat) before failing on the missing data. Other
// chunks past the end are left to the decoder, which skips them as PIL does.
void checkPngImageData(const Bytes& b, const std::string& name) {
    for (size_t at = 8; b.has(at, 8);) {
        const auto length = static_cast<size_t>(b.be32(at));
        const size_t left = b.size - at - 8;  // bytes after the chunk's length and type
        if (length > left) {
            if (b.starts("IDAT", 4, at + 4))
                throwBadInput(name + ": truncated PNG (an IDAT chunk declares " + std::to_string(length) + " bytes, " +
                              std::to_string(left) + " remain)");
            return;
        }
        if (b.starts("IEND", 4, at + 4)) return;
        at += 8 + length + 4;  // length, type, data, CRC
    }
}

}  // namespace

ImageHeader readImageHeader(const uint8_t* data, size_t size, const std::string& name) {
    const Bytes b{data, size};
    if (size == 0) throwBadInput(name + ": file is empty");
    ImageHeader hd;
    bool known = true, read = false;
    if (b.starts("\xFF\xD8\xFF", 3)) {
        hd.format = ImageFormat::Jpeg;
        read = jpegSize(b, hd.width, hd.height);
        hd.orientation = jpegExifOrientation(b);
    } else if (b.starts("\x89PNG\r\n\x1A\n", 8)) {
        hd.format = ImageFormat::Png;
        read = b.starts("IHDR", 4, 12) && b.has(16, 8);
        if (read) {
            hd.width = b.be32(16);
            hd.height = b.be32(20);
        }
        checkPngImageData(b, name);
    } else if (b.starts("RIFF", 4) && b.starts("WEBP", 4, 8)) {
        hd.format = ImageFormat::WebP;
        read = webpSize(b, hd.width, hd.height);
    } else if (b.starts("GIF87a", 6) || b.starts("GIF89a", 6)) {
        hd.format = ImageFormat::Gif;
        read = b.has(6, 4);
        if (read) {
            hd.width = b.le16(6);
            hd.height = b.le16(8);
        }
    } else if (b.starts("BM", 2)) {
        hd.format = ImageFormat::Bmp;
        if (b.has(14, 4) && b.le32(14) == 12 && b.has(18, 4)) {  // OS/2 core header: 16-bit sizes
            hd.width = b.le16(18);
            hd.height = b.le16(20);
            read = true;
        } else if (b.has(14, 12)) {
            hd.width = int32_t(b.le32(18));
            hd.height = int32_t(b.le32(22));
            if (hd.height < 0) hd.height = -hd.height;  // negative height: top-down rows
            read = true;
        }
    } else {
        known = false;
    }
    if (!known) throwBadInput(name + ": not a supported image (JPEG, PNG, WebP, BMP or GIF)");
    if (!read) throwBadInput(name + ": cannot read the " + imageFormatName(hd.format) + " header (truncated or corrupt file)");
    if (hd.width <= 0 || hd.height <= 0)
        throwBadInput(name + ": image has no pixels (" + std::to_string(hd.width) + "x" + std::to_string(hd.height) + ")");
    if (hd.width > INT32_MAX || hd.height > INT32_MAX)  // no decoder goes there; keeps width * height in range
        throwBadInput(name + ": header claims " + std::to_string(hd.width) + "x" + std::to_string(hd.height) + " pixels");
    return hd;
}

}  // namespace vision

const char* imageFormatName(ImageFormat format) {
    switch (format) {
        case ImageFormat::Jpeg:
            return "jpeg";
        case ImageFormat::Png:
            return "png";
        case ImageFormat::WebP:
            return "webp";
        case ImageFormat::Bmp:
            return "bmp";
        case ImageFormat::Gif:
            return "gif";
    }
    return "?";
}

ImageProbe probeImage(const uint8_t* data, size_t size, const std::string& name, const DecodeOptions& options) {
    const vision::ImageHeader hd = vision::readImageHeader(data, size, name);
    ImageProbe p;
    p.format = hd.format;
    const bool swap = options.applyExifOrientation && hd.orientation >= 5;  // a quarter turn
    p.width = swap ? hd.height : hd.width;
    p.height = swap ? hd.width : hd.height;
    return p;
}

ImageProbe probeImage(const std::vector<uint8_t>& bytes, const std::string& name, const DecodeOptions& options) {
    return probeImage(bytes.data(), bytes.size(), name, options);
}

void checkImagePixels(const ImageProbe& p, int64_t maxPixels, const std::string& name) {
    if (p.pixels() > maxPixels)
        throwBadInput(name + ": image is " + std::to_string(p.width) + "x" + std::to_string(p.height) + " = " + std::to_string(p.pixels()) +
                      " pixels, over the limit of " + std::to_string(maxPixels) + " (possible decompression bomb)");
}

}  // namespace sightline
