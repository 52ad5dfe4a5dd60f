// PDF pages as images for the model (issue #16, Documents): pages rasterised with poppler (Debian's
// libpoppler-cpp, the glib- and Qt-free API, so the CLI and the app share it), a page range, and a
// resolution chosen so each page fits the pixel budget. Qt-free and torch-free.
//
// A PDF is untrusted input: only regular files up to 256 MiB are read, the document must open and
// not be encrypted, at most kMaxPdfPages pages are rendered (GLM-4.6V's official demo takes up to 10
// images per conversation), every page must have a sensible size, and poppler's own diagnostics are
// kept off stderr. Errors are Error(BadInput) naming the file and the page.
// Thread-safe: each call opens its own document.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sightline/image.h"

namespace sightline::app {

inline constexpr int kMaxPdfPages = 10;
inline constexpr double kPdfMaxDpi = 150;  // readable text; more only costs image tokens
// The most pixels a page is ever rasterised to (4096²), whatever the budget asked: above every
// GLM-4V image budget (9.6 MP), so the model loses nothing, and a few-hundred-byte PDF declaring a
// 140-inch page cannot make poppler allocate gigabytes (20833² at 150 dpi: 4.2 GB, 29 s).
inline constexpr int64_t kMaxPdfPagePixels = int64_t(4096) * 4096;

struct PdfPageRange {
    int first = 1;  // 1-based
    int last = 0;   // 0: the last page (capped at first + kMaxPdfPages - 1)
};
// "3", "2-5", "4-" (to the end); throws Error(BadInput) otherwise.
PdfPageRange parsePdfPageRange(const std::string& text);

struct PdfPage {
    int number = 0;  // 1-based page number in the document
    double dpi = 0;
    RgbImage image;
};

struct PdfDocumentPages {
    int pageCount = 0;  // in the document
    std::vector<PdfPage> pages;
    std::string note;  // e.g. "pages 1–10 of 23 (at most 10 images per conversation)"
};

// The resolution is kPdfMaxDpi, lowered until a page has at most maxPixelsPerPage pixels (0: no budget
// of the caller's) and at most kMaxPdfPagePixels; never below 18 dpi. An explicit range beyond kMaxPdfPages pages is refused; the
// default range (the whole document) takes the first kMaxPdfPages pages and says so in `note`.
PdfDocumentPages rasterizePdf(const std::string& path, const PdfPageRange& range, int64_t maxPixelsPerPage);

// Whether the file starts like a PDF ("%PDF-" within its first 1024 bytes, as readers accept).
bool looksLikePdf(const std::string& path);

}  // namespace sightline::app
