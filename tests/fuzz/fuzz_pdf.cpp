// A PDF attached in the window or given to `sightline-cli --pdf` (app/documents/pdf_pages.h): the
// bytes are written to a file and rasterised as the app does it. The first byte picks the pixel
// budget per page and the page range; Debian's poppler is not instrumented, so coverage counts our
// side, but a crash or a hang inside poppler is still caught (and would take the app down).
//
// Checks: at most kMaxPdfPages pages, numbered within the document in order and inside the asked
// range; every page image has pixels for its size and stays within the budget (or, for a page too
// large for it, is at the lowest resolution, 18 dpi) and within kMaxPdfPagePixels.
#include <cstdio>

#include "fuzz_support.h"
#include "pdf_pages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sightline;
    if (size < 1) return 0;
    static const int64_t kBudgets[] = {4096, 20000, 60000, 0};
    constexpr double kMinDpi = 18.0 + 1e-9;  // pdf_pages.cpp's floor
    static const char* const kRanges[] = {"", "1", "2-3", "2-"};
    const int64_t budget = kBudgets[data[0] & 3];
    const std::string rangeText = kRanges[(data[0] >> 2) & 3];
    const std::string path = fuzz::writeScratch("in.pdf", fuzz::asText(data + 1, size - 1));
    return fuzz::refusalsAreFine([&] {
        const app::PdfPageRange range = rangeText.empty() ? app::PdfPageRange{} : app::parsePdfPageRange(rangeText);
        const app::PdfDocumentPages doc = app::rasterizePdf(path, range, budget);
        bool ok = doc.pages.size() <= size_t(app::kMaxPdfPages);
        int previous = 0;
        for (const app::PdfPage& p : doc.pages) {
            const int64_t pixels = int64_t(p.image.width) * p.image.height;
            ok = ok && p.number > previous && p.number >= range.first && p.number <= doc.pageCount &&
                 (range.last == 0 || p.number <= range.last) && p.image.width > 0 && p.image.height > 0 &&
                 p.image.pixels.size() == size_t(pixels) * 3 && pixels <= app::kMaxPdfPagePixels &&
                 (budget == 0 || pixels <= budget || p.dpi <= kMinDpi);
            previous = p.number;
            if (!ok) {
                std::fprintf(stderr, "fuzz_pdf: page %d of %d (range %d-%d): %d x %d at %.2f dpi, budget %lld\n", p.number, doc.pageCount,
                             range.first, range.last, p.image.width, p.image.height, p.dpi, static_cast<long long>(budget));
                std::abort();
            }
        }
        if (!ok) {
            std::fprintf(stderr, "fuzz_pdf: %zu pages, more than %d\n", doc.pages.size(), app::kMaxPdfPages);
            std::abort();
        }
    });
}
