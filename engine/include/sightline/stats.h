// Summary statistics for benchmark and monitor samples (torch-free, pure functions).
#pragma once

#include <vector>

namespace sightline {

struct Summary {
    int count = 0;
    double best = 0;  // minimum
    double worst = 0;
    double mean = 0;
    double median = 0;
    double stddev = 0;  // sample standard deviation (n-1); 0 for fewer than 2 samples
    double p50 = 0, p95 = 0, p99 = 0;
};

// Percentile with linear interpolation between closest ranks (numpy's default "linear").
double percentile(std::vector<double> samples, double q);
Summary summarize(const std::vector<double>& samples);

}  // namespace sightline
