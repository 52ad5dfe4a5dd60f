#include <gtest/gtest.h>

#include "sightline/engine.h"
#include "sightline/stats.h"

using namespace sightline;

TEST(Stats, KnownSamplesMatchNumpy) {
    const std::vector<double> v = {7, 1, 10, 3, 5, 2, 9, 4, 8, 6};  // 1..10 shuffled
    const Summary s = summarize(v);
    EXPECT_EQ(s.count, 10);
    EXPECT_DOUBLE_EQ(s.best, 1);
    EXPECT_DOUBLE_EQ(s.worst, 10);
    EXPECT_DOUBLE_EQ(s.mean, 5.5);
    EXPECT_DOUBLE_EQ(s.median, 5.5);
    EXPECT_NEAR(s.p95, 9.55, 1e-12);  // numpy.percentile(range(1,11), 95)
    EXPECT_NEAR(s.p99, 9.91, 1e-12);
    EXPECT_NEAR(s.stddev, 3.0276503540974917, 1e-12);  // numpy.std(ddof=1)
    EXPECT_DOUBLE_EQ(percentile({42}, 99), 42);
    EXPECT_DOUBLE_EQ(percentile({}, 50), 0);
    EXPECT_DOUBLE_EQ(percentile({1, 2}, 0), 1);
    EXPECT_DOUBLE_EQ(percentile({1, 2}, 100), 2);
    EXPECT_DOUBLE_EQ(summarize({3}).stddev, 0);
}

TEST(Nvml, AbsentOrPresentNeverFails) {
    const GpuUtilization u = queryGpuUtilization(0);
    if (u.note.empty()) {
        EXPECT_GE(u.gpuPercent, 0);
        EXPECT_LE(u.gpuPercent, 100);
    } else {
        EXPECT_EQ(u.gpuPercent, -1);  // degraded with a reason, no crash
        EXPECT_NE(u.note.find("NVML"), std::string::npos);
    }
}
