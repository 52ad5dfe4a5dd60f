// Optional preprocessing of uploaded images, as the GLM-4.6V-Flash service advises for large
// photos: downscale so the longer side is at most maxSide, and re-encode as JPEG (quality 85)
// uploads above a size. Off by default; applied before the pixel budget (the checkpoint's
// smart_resize still runs on what comes out). Pure; any thread.
#pragma once

#include <cstdint>
#include <string>

namespace sightline::server {

struct ImagePreprocess {
    int maxSide = 0;                     // 0: no downscale
    int64_t reencodeJpegAboveBytes = 0;  // 0: never re-encode
    int jpegQuality = 85;
    bool active() const { return maxSide > 0 || reencodeJpegAboveBytes > 0; }
};

// Whether this build can write JPEG (libjpeg); --reencode-jpeg-above-kb is refused without it.
bool jpegEncodeSupported();

// The image's bytes after the preprocessing `p` asks for: unchanged when nothing applies (small
// enough, not too large a side); otherwise decoded, downscaled (PIL-exact bicubic) when its longer
// side is over maxSide, and written as JPEG at p.jpegQuality (a downscaled image too: the one
// encoder here).
// `decodeMaxPixels` caps the decode (the request's per-image pixel limit). Throws Error(BadInput)
// for an image that cannot be decoded.
std::string preprocessUpload(const std::string& bytes, const ImagePreprocess& p, int64_t decodeMaxPixels, const std::string& name);

}  // namespace sightline::server
