#include "pdf_pages.h"

#ifdef SIGHTLINE_HAVE_POPPLER
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#endif
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

#include "sightline/error.h"

namespace sightline::app {

namespace {

[[maybe_unused]] constexpr int64_t kMaxPdfBytes = int64_t(256) << 20;
[[maybe_unused]] constexpr double kMinDpi = 18;
[[maybe_unused]] constexpr double kMaxPagePoints = 14400;  // 200 inches: PDF's own limit for a page side

#ifdef SIGHTLINE_HAVE_POPPLER
void quietPoppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}
#endif

}  // namespace

PdfPageRange parsePdfPageRange(const std::string& text) {
    PdfPageRange r;
    auto num = [&](const std::string& s) {
        if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
            throwBadInput("--pages must be N, A-B or A- (1-based page numbers), got \"" + text + "\"");
        const int v = std::stoi(s);
        if (v < 1) throwBadInput("--pages: page numbers start at 1, got \"" + text + "\"");
        return v;
    };
    const auto dash = text.find('-');
    if (dash == std::string::npos) {
        r.first = r.last = num(text);
    } else {
        r.first = num(text.substr(0, dash));
        r.last = dash + 1 == text.size() ? 0 : num(text.substr(dash + 1));
        if (r.last != 0 && r.last < r.first) throwBadInput("--pages: " + text + " ends before it starts");
    }
    return r;
}

bool looksLikePdf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char buf[1024] = {};
    in.read(buf, sizeof buf);
    const std::string head(buf, static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
    return head.find("%PDF-") != std::string::npos;
}

PdfDocumentPages rasterizePdf(const std::string& path, const PdfPageRange& range, int64_t maxPixelsPerPage) {
#ifndef SIGHTLINE_HAVE_POPPLER
    (void)range;
    (void)maxPixelsPerPage;
    throwBadInput(path + ": this build of Sightline has no PDF support (it was built without libpoppler-cpp-dev)");
#else
    quietPoppler();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throwBadInput("cannot read " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throwBadInput(path + " is not a regular file");
    if (st.st_size > kMaxPdfBytes) throwBadInput(path + " is larger than 256 MiB; split the document");
    if (!looksLikePdf(path)) throwBadInput(path + " is not a PDF (no %PDF- header)");
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
    if (!doc) throwBadInput(path + " cannot be opened as a PDF (damaged or truncated)");
    if (doc->is_locked()) throwBadInput(path + " is encrypted (password-protected); Sightline reads unprotected PDFs only");
    PdfDocumentPages out;
    out.pageCount = doc->pages();
    if (out.pageCount <= 0) throwBadInput(path + " has no pages");
    const int first = range.first;
    if (first > out.pageCount)
        throwBadInput(path + " has " + std::to_string(out.pageCount) + " pages; page " + std::to_string(first) + " does not exist");
    int last = range.last == 0 ? out.pageCount : range.last;
    if (last > out.pageCount)
        throwBadInput(path + " has " + std::to_string(out.pageCount) + " pages; the range ends at page " + std::to_string(last));
    if (last - first + 1 > kMaxPdfPages) {
        if (range.last != 0)
            throwBadInput("pages " + std::to_string(first) + "–" + std::to_string(last) + " are more than " + std::to_string(kMaxPdfPages) +
                          " (at most " + std::to_string(kMaxPdfPages) + " images per conversation); choose fewer with --pages");
        last = first + kMaxPdfPages - 1;
        out.note = "pages " + std::to_string(first) + "–" + std::to_string(last) + " of " + std::to_string(out.pageCount) + " (at most " +
                   std::to_string(kMaxPdfPages) + " images per conversation; choose others with a page range)";
    }
    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_argb32);
    for (int n = first; n <= last; ++n) {
        std::unique_ptr<poppler::page> page(doc->create_page(n - 1));
        if (!page) throwBadInput(path + ": page " + std::to_string(n) + " cannot be read");
        const poppler::rectf box = page->page_rect(poppler::media_box);
        const double w = std::abs(box.width()), h = std::abs(box.height());
        if (!(w >= 1 && h >= 1 && w <= kMaxPagePoints && h <= kMaxPagePoints))
            throwBadInput(path + ": page " + std::to_string(n) + " has an unusable size (" + std::to_string(w) + " × " + std::to_string(h) +
                          " points)");
        const int64_t budget = maxPixelsPerPage > 0 ? std::min(maxPixelsPerPage, kMaxPdfPagePixels) : kMaxPdfPagePixels;
        double dpi = std::min(kPdfMaxDpi, 72.0 * std::sqrt(double(budget) / (w * h)));
        dpi = std::max(dpi, kMinDpi);
        // Rounding may leave a page a few pixels over the budget: step down until it fits.
        while (dpi > kMinDpi && std::ceil(w * dpi / 72) * std::ceil(h * dpi / 72) > double(budget)) dpi *= 0.99;
        const poppler::image img = renderer.render_page(page.get(), dpi, dpi);
        if (!img.is_valid() || img.width() <= 0 || img.height() <= 0 || img.format() != poppler::image::format_argb32)
            throwBadInput(path + ": page " + std::to_string(n) + " could not be rendered");
        PdfPage p;
        p.number = n;
        p.dpi = dpi;
        p.image.width = img.width();
        p.image.height = img.height();
        p.image.pixels.resize(size_t(img.width()) * img.height() * 3);
        const char* data = img.const_data();
        for (int y = 0; y < img.height(); ++y) {
            const auto* row = reinterpret_cast<const uint32_t*>(data + size_t(y) * img.bytes_per_row());
            uint8_t* dst = p.image.pixels.data() + size_t(y) * img.width() * 3;
            for (int x = 0; x < img.width(); ++x) {
                // ARGB32 premultiplied on white paper: composite what is not opaque over white.
                const uint32_t v = row[x];
                const uint32_t a = v >> 24;
                const auto ch = [&](int shift) {
                    const uint32_t c = (v >> shift) & 0xFF;
                    return static_cast<uint8_t>(std::min<uint32_t>(255, c + (255 - a)));
                };
                dst[x * 3 + 0] = ch(16);
                dst[x * 3 + 1] = ch(8);
                dst[x * 3 + 2] = ch(0);
            }
        }
        out.pages.push_back(std::move(p));
    }
    return out;
#endif
}

}  // namespace sightline::app
