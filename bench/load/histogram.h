#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace caudal::bench {

// A log-linear latency histogram in the spirit of HdrHistogram: values below 256 are counted
// exactly; above that every power-of-two octave is split into 128 equal sub-buckets, so a
// reported value (the bucket midpoint) is within 0.4% of every value in its bucket. Fixed size
// (~60 KiB), no allocation while recording, mergeable across threads.
class log_histogram {
public:
  static constexpr int sub_bits = 7;
  static constexpr std::uint64_t sub_count = 1u << sub_bits;  // 128 sub-buckets per octave
  static constexpr std::uint64_t exact_limit = 2 * sub_count; // values < 256 are exact
  static constexpr std::size_t bucket_count = exact_limit + (64 - sub_bits - 1) * sub_count;

  // Counts one observation; negative values (a clock that went backwards) count as 0.
  void record(std::int64_t value);
  // Adds every observation of other into this histogram.
  void merge(const log_histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return count_ == 0 ? 0 : max_; }
  double mean() const;
  // The value at quantile q in [0, 1]: the representative of the bucket holding the
  // ceil(q * count)-th smallest observation, clamped into [min, max]. 0 when empty.
  std::int64_t quantile(double q) const;

  // Bucket arithmetic, public so the tests can check the error bound directly.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_low(std::size_t index);
  static std::uint64_t bucket_high(std::size_t index); // inclusive

private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace caudal::bench
