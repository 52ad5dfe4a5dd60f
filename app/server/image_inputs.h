// The images of an API request, checked before anything is decoded:
// - local files (image_url naming a path or file:// URL) are read only under the folders given to
//   --allow-local-files, after resolving symlinks, only regular files (a FIFO or device is never
//   opened for a blocking read), size-capped before reading; missing, unreadable and
//   outside-the-folders paths get one and the same message, so the API is no existence oracle.
//   A file that passes is put in the request as a data: URI, so parseChatJson (the one parser of
//   chat lists) never touches the file system for the API.
// - pixel caps from each image's header (no decode): per image and per request, refused with 413
//   naming the limit, so a 20 KB PNG claiming 13000x13000 costs nothing.
// Pure apart from reading the allowed files; any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "image_preprocess.h"

namespace sightline::server {

struct ImageLimits {
    int64_t maxImagePixels = 50'000'000;     // one image, width x height as its header says
    int64_t maxRequestPixels = 100'000'000;  // all images of one request together
    int64_t maxFileBytes = 64LL << 20;       // one local file
};

// Standard base64 (with padding), and its decoder that stops at the first character that is not
// base64 (whitespace skipped): enough for headers and hashes; the image decoder reports bad data.
std::string base64Encode(const std::string& bytes);
std::string base64DecodeLoose(std::string_view text);

// Resolves the folders of --allow-local-files (realpath). Throws Error(BadInput) naming a folder
// that does not exist or is not a folder.
std::vector<std::string> resolveAllowedFolders(const std::vector<std::string>& folders);

// Width and height from an image's header (PNG, JPEG, GIF, BMP, WebP) without decoding it; false
// when the bytes are no image this can read (the decoder then reports what is wrong).
bool probeImageSize(const std::string& bytes, int64_t& width, int64_t& height);

// What the request log records of one image: the upload's SHA-256 and size, and the size after
// preprocessing (-1 when it was passed on unchanged).
struct ImageDigest {
    std::string sha256;
    int64_t bytes = 0;
    int64_t preprocessedBytes = -1;
};

// Walks the image parts of `messages` (the request's list): local files become data: URIs (see
// above; with no allowed folders they are left for parseChatJson to refuse), and every image's
// pixels are counted against `limits`. Throws HttpError(413) over a pixel cap, Error(BadInput) for
// an unreadable local file. With `preprocess` active, images are first downscaled / re-encoded
// (image_preprocess.h) and replaced in `messages` by what came out; the pixel caps apply to the
// original header (a bomb is refused before it is decoded), the model's budget to the result.
// `digests`, when given, receives every image's ImageDigest (hashing costs a pass over the bytes:
// only when a request log is on).
void prepareImages(nlohmann::ordered_json& messages, const ImageLimits& limits, const std::vector<std::string>& allowedFolders,
                   const ImagePreprocess& preprocess = {}, std::vector<ImageDigest>* digests = nullptr);

}  // namespace sightline::server
