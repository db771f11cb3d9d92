#include "tools/loadgen/histogram.h"

#include <algorithm>
#include <cmath>

namespace pubsub::loadgen {

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

uint64_t LatencyHistogram::BucketUpperBound(size_t bucket) {
  if (bucket < kLinear) return bucket;
  const size_t above = bucket - kLinear;
  const int exponent = static_cast<int>(above / kPerOctave) + kLinearBits;
  const uint64_t mantissa = kPerOctave + above % kPerOctave;
  const int shift = exponent - (kLinearBits - 1);
  // Every value whose top 7 bits are `mantissa`: [m << s, ((m + 1) << s) - 1].
  return ((mantissa + 1) << shift) - 1;
}

uint64_t LatencyHistogram::Percentile(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  uint64_t wanted = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  wanted = std::clamp<uint64_t>(wanted, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= wanted) return std::min(BucketUpperBound(i), max_);
  }
  return max_;
}

}  // namespace pubsub::loadgen
