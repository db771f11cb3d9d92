// LatencyHistogram: a small log-linear histogram in the spirit of
// HdrHistogram, for publish→receive latencies in nanoseconds.
//
// Values below 128 have a bucket each; above, every power of two is split
// into 64 equal buckets, so a percentile is exact to within 1/64 (1.6 %) of
// its value whatever the range (1 ns .. 2^63 ns). Recording is a few
// instructions and never allocates; histograms of several threads merge.
//
//   pubsub::loadgen::LatencyHistogram h;
//   h.Record(1'250'000);             // 1.25 ms
//   uint64_t p99 = h.Percentile(99.0);
//
// Not thread-safe: one histogram per thread, merged at the end.
#ifndef PUBSUB_TOOLS_LOADGEN_HISTOGRAM_H_
#define PUBSUB_TOOLS_LOADGEN_HISTOGRAM_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace pubsub::loadgen {

class LatencyHistogram {
 public:
  // Linear range and buckets per power of two above it.
  static constexpr int kLinearBits = 7;  // values 0..127 exact
  static constexpr uint64_t kLinear = uint64_t{1} << kLinearBits;
  static constexpr uint64_t kPerOctave = kLinear / 2;  // 64
  static constexpr size_t kBuckets = kLinear + (64 - kLinearBits) * kPerOctave;

  // Records one value (negative latencies, from clock skew, count as 0).
  void Record(int64_t value) {
    const uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
    ++counts_[BucketOf(v)];
    ++count_;
    sum_ += v;
    if (v > max_) max_ = v;
    if (v < min_) min_ = v;
  }

  void Merge(const LatencyHistogram& other);
  void Clear() { *this = LatencyHistogram(); }

  uint64_t count() const { return count_; }
  uint64_t max() const { return count_ == 0 ? 0 : max_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }

  // The smallest recorded value v such that at least `percent` % of the
  // values are <= v, reported as the upper edge of its bucket (never above
  // max()). 0 when empty.
  uint64_t Percentile(double percent) const;

  // Bucket arithmetic (public for tests).
  static size_t BucketOf(uint64_t v) {
    if (v < kLinear) return static_cast<size_t>(v);
    const int exponent = 63 - __builtin_clzll(v);    // >= kLinearBits
    const int shift = exponent - (kLinearBits - 1);  // keeps 7 significant bits
    const uint64_t mantissa = v >> shift;            // in [64, 128)
    return static_cast<size_t>(kLinear + (exponent - kLinearBits) * kPerOctave +
                               (mantissa - kPerOctave));
  }
  // Largest value that falls into `bucket`.
  static uint64_t BucketUpperBound(size_t bucket);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_HISTOGRAM_H_
