#include "bench/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace caudal::bench {

std::size_t log_histogram::bucket_of(std::uint64_t value) {
  if (value < exact_limit) return static_cast<std::size_t>(value);
  // Octave k holds [2^k, 2^(k+1)); shifting by k - sub_bits leaves a mantissa in [128, 256).
  const int k = std::bit_width(value) - 1;
  const int shift = k - sub_bits;
  const std::uint64_t mantissa = value >> shift;
  const auto octave = static_cast<std::size_t>(k - (sub_bits + 1));
  return exact_limit + octave * sub_count + static_cast<std::size_t>(mantissa - sub_count);
}

std::uint64_t log_histogram::bucket_low(std::size_t index) {
  if (index < exact_limit) return index;
  const std::size_t octave = (index - exact_limit) / sub_count;
  const std::uint64_t mantissa = sub_count + (index - exact_limit) % sub_count;
  return mantissa << (octave + 1);
}

std::uint64_t log_histogram::bucket_high(std::size_t index) {
  if (index < exact_limit) return index;
  const std::size_t octave = (index - exact_limit) / sub_count;
  return bucket_low(index) + ((std::uint64_t{1} << (octave + 1)) - 1);
}

void log_histogram::record(std::int64_t value) {
  if (value < 0) value = 0;
  ++counts_[bucket_of(static_cast<std::uint64_t>(value))];
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  ++count_;
  sum_ += static_cast<long double>(value);
}

void log_histogram::merge(const log_histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double log_histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::int64_t log_histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank == count_) return max_; // the largest observation is known exactly
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    const std::uint64_t low = bucket_low(i);
    const std::uint64_t mid = low + (bucket_high(i) - low) / 2;
    return std::clamp(static_cast<std::int64_t>(mid), min_, max_);
  }
  return max_;
}

} // namespace caudal::bench
