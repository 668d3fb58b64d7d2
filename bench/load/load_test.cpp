// Unit tests of caudal-load's own arithmetic (histogram, payload stamp, option rules). Built
// with the `bench` target and run by run_bench.sh before any measurement.
#define BOOST_TEST_MODULE caudal_load
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "bench/load/histogram.h"
#include "bench/load/options.h"
#include "bench/load/payload.h"

using namespace caudal::bench;

BOOST_AUTO_TEST_CASE(small_values_are_exact) {
  log_histogram h;
  for (int v = 0; v < 256; ++v) h.record(v);
  BOOST_TEST(h.count() == 256u);
  BOOST_TEST(h.min() == 0);
  BOOST_TEST(h.max() == 255);
  BOOST_TEST(h.quantile(0.5) == 127);
  BOOST_TEST(h.quantile(1.0) == 255);
  BOOST_TEST(h.quantile(0.0) == 0);
}

BOOST_AUTO_TEST_CASE(buckets_tile_the_range_without_gaps) {
  for (std::size_t i = 1; i < log_histogram::bucket_count; ++i)
    BOOST_TEST(log_histogram::bucket_low(i) == log_histogram::bucket_high(i - 1) + 1);
  BOOST_TEST(log_histogram::bucket_of(~std::uint64_t{0}) == log_histogram::bucket_count - 1);
  BOOST_TEST(log_histogram::bucket_high(log_histogram::bucket_count - 1) == ~std::uint64_t{0});
}

BOOST_AUTO_TEST_CASE(every_value_lands_in_its_bucket_within_half_a_percent) {
  std::mt19937_64 gen(42);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t v = gen() >> (gen() % 64);
    const std::size_t b = log_histogram::bucket_of(v);
    const std::uint64_t low = log_histogram::bucket_low(b);
    const std::uint64_t high = log_histogram::bucket_high(b);
    BOOST_REQUIRE(low <= v && v <= high);
    const double mid = static_cast<double>(low) + static_cast<double>(high - low) / 2;
    BOOST_REQUIRE(std::abs(mid - static_cast<double>(v)) <= 0.004 * static_cast<double>(v) + 1);
  }
}

BOOST_AUTO_TEST_CASE(quantiles_match_exact_ranks_within_one_percent) {
  log_histogram h;
  // 1..100000 microseconds in nanoseconds: the q-quantile is q * 1e8 ns.
  for (std::int64_t v = 1; v <= 100000; ++v) h.record(v * 1000);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = q * 1e8;
    BOOST_TEST(std::abs(static_cast<double>(h.quantile(q)) - exact) <= 0.01 * exact);
  }
  BOOST_TEST(h.max() == 100000000);
  BOOST_TEST(h.quantile(1.0) == 100000000); // clamped to the exact maximum
  BOOST_TEST(std::abs(h.mean() - 50000.5e3) < 1.0);
}

BOOST_AUTO_TEST_CASE(merge_equals_recording_everything_in_one) {
  log_histogram a, b, all;
  for (std::int64_t v = 0; v < 5000; ++v) {
    (v % 3 == 0 ? a : b).record(v * 37);
    all.record(v * 37);
  }
  a.merge(b);
  BOOST_TEST(a.count() == all.count());
  BOOST_TEST(a.min() == all.min());
  BOOST_TEST(a.max() == all.max());
  for (double q : {0.1, 0.5, 0.99}) BOOST_TEST(a.quantile(q) == all.quantile(q));
}

BOOST_AUTO_TEST_CASE(negative_values_count_as_zero_and_empty_is_zero) {
  log_histogram h;
  BOOST_TEST(h.quantile(0.99) == 0);
  BOOST_TEST(h.mean() == 0.0);
  h.record(-5);
  BOOST_TEST(h.min() == 0);
  BOOST_TEST(h.quantile(0.5) == 0);
}

BOOST_AUTO_TEST_CASE(payload_stamp_round_trips_and_rejects_foreign_bytes) {
  auto p = make_payload(1024, 7);
  BOOST_TEST(p.size() == 1024u);
  BOOST_TEST(!read_stamp(p).has_value());
  stamp_payload(p, 123456789012345);
  BOOST_TEST(read_stamp(p).value() == 123456789012345);
  BOOST_TEST(!read_stamp(std::span<const std::byte>(p).first(15)).has_value());
  BOOST_TEST(make_payload(1024, 7) != make_payload(1024, 8));
}

BOOST_AUTO_TEST_CASE(payload_source_hands_out_distinct_stamped_windows) {
  payload_source source(1000, 3);
  std::vector<std::byte> first;
  {
    auto w = source.next(11);
    BOOST_TEST(w.size() == 1000u);
    BOOST_TEST(read_stamp(w).value() == 11);
    first.assign(w.begin() + payload_header_size, w.end());
  }
  auto w = source.next(12);
  BOOST_TEST(read_stamp(w).value() == 12);
  BOOST_TEST(!std::equal(first.begin(), first.end(), w.begin() + payload_header_size));
  for (int i = 0; i < 10000; ++i) BOOST_REQUIRE(source.next(i).size() == 1000u); // wraps safely
}

BOOST_AUTO_TEST_CASE(option_rules) {
  load_options o;
  BOOST_TEST(!validate(o).empty()); // producing needs a count or a duration
  o.messages = 10;
  BOOST_TEST(validate(o).empty());
  o.producers = 20;
  BOOST_TEST(!validate(o).empty());
  o.producers = 1;
  o.acks = "2";
  BOOST_TEST(!validate(o).empty());
  o.acks = "all";
  o.mode = load_mode::both;
  o.group = "g";
  BOOST_TEST(!validate(o).empty());
  o.mode = load_mode::consume;
  o.messages = 0;
  BOOST_TEST(validate(o).empty()); // consume until EOF
  o.extra_conf = {"no-equals"};
  BOOST_TEST(!validate(o).empty());
}
