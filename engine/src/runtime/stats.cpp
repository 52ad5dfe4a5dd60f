#include "sightline/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sightline {

double percentile(std::vector<double> s, double q) {
    if (s.empty()) return 0;
    std::sort(s.begin(), s.end());
    const double pos = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(s.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, s.size() - 1);
    return s[lo] + (s[hi] - s[lo]) * (pos - static_cast<double>(lo));
}

Summary summarize(const std::vector<double>& s) {
    Summary r;
    r.count = static_cast<int>(s.size());
    if (s.empty()) return r;
    r.best = *std::min_element(s.begin(), s.end());
    r.worst = *std::max_element(s.begin(), s.end());
    r.mean = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
    if (s.size() > 1) {
        double acc = 0;
        for (double v : s) acc += (v - r.mean) * (v - r.mean);
        r.stddev = std::sqrt(acc / static_cast<double>(s.size() - 1));
    }
    r.median = r.p50 = percentile(s, 50);
    r.p95 = percentile(s, 95);
    r.p99 = percentile(s, 99);
    return r;
}

}  // namespace sightline
