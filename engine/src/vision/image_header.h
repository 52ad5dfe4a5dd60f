// Image headers read without decoding: the one place that says which format bytes are and how big
// the decoded image will be. probeImage (public) and decodeImage both go through readImageHeader,
// so the pixel cap a caller applies to a probe is the one the decoder applies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sightline/image.h"

namespace sightline::vision {

struct ImageHeader {
    ImageFormat format = ImageFormat::Png;
    int64_t width = 0;  // as stored, before EXIF orientation
    int64_t height = 0;
    int orientation = 1;  // EXIF orientation 1..8 (JPEG APP1); 1 for other formats
};

// Throws Error(BadInput) naming `name`: empty data, unknown format, truncated or unreadable header,
// a size of zero, a PNG whose image data (an IDAT chunk) runs past the end of the data.
ImageHeader readImageHeader(const uint8_t* data, size_t size, const std::string& name);

}  // namespace sightline::vision
