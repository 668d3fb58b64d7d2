#define BOOST_TEST_MODULE crc32c
#include <boost/test/unit_test.hpp>

#include <random>
#include <string_view>
#include <vector>

#include "protocol/crc32c.h"

using namespace caudal::protocol;

namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<uint8_t> random_bytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Runs a check against both implementations (hardware only when present).
template <class F>
void for_each_impl(F&& check) {
  check(crc32c_table);
  if (crc32c_hw_available()) check(crc32c_hw);
  check(crc32c);
}

} // namespace

BOOST_AUTO_TEST_CASE(known_vectors) {
  for_each_impl([](auto fn) {
    BOOST_TEST(fn(bytes_of("123456789"), 0) == 0xE3069283u);
    BOOST_TEST(fn(std::span<const uint8_t>{}, 0) == 0u);
    BOOST_TEST(fn(bytes_of("a"), 0) == 0xC1D04330u);
    // RFC 3720 (iSCSI) appendix B.4 vectors.
    std::vector<uint8_t> zeros(32, 0), ones(32, 0xff), up(32), down(32);
    for (int i = 0; i < 32; ++i) up[i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 32; ++i) down[i] = static_cast<uint8_t>(31 - i);
    BOOST_TEST(fn(zeros, 0) == 0x8A9136AAu);
    BOOST_TEST(fn(ones, 0) == 0x62A8AB43u);
    BOOST_TEST(fn(up, 0) == 0x46DD794Eu);
    BOOST_TEST(fn(down, 0) == 0x113FDB5Cu);
  });
}

BOOST_AUTO_TEST_CASE(hardware_and_table_agree_on_random_data) {
  std::mt19937_64 rng(42);
  auto data = random_bytes(rng, 70000);
  // Every length up to 300 at several misalignments, then some long runs.
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len <= 300; ++len) {
      std::span<const uint8_t> s(data.data() + offset, len);
      uint32_t seed = static_cast<uint32_t>(rng());
      BOOST_TEST_REQUIRE(crc32c_table(s, seed) == crc32c(s, seed));
      if (crc32c_hw_available()) BOOST_TEST_REQUIRE(crc32c_hw(s, seed) == crc32c_table(s, seed));
    }
  }
  // Around the three-stream stripe sizes (3 x 256 and 3 x 8192 bytes).
  for (size_t len : {767u, 768u, 769u, 1536u, 4096u, 24575u, 24576u, 24577u, 65537u, 69990u}) {
    std::span<const uint8_t> s(data.data() + 3, len);
    uint32_t seed = static_cast<uint32_t>(rng());
    BOOST_TEST(crc32c_table(s, seed) == crc32c(s, seed), "len " << len);
  }
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot) {
  std::mt19937_64 rng(7);
  auto data = random_bytes(rng, 5000);
  std::span<const uint8_t> all(data);
  uint32_t whole = crc32c(all);
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 1000u, 4999u, 5000u}) {
    for_each_impl(
        [&](auto fn) { BOOST_TEST(fn(all.subspan(cut), fn(all.first(cut), 0)) == whole); });
  }
}

BOOST_AUTO_TEST_CASE(single_bit_flips_change_the_crc) {
  std::mt19937_64 rng(9);
  auto data = random_bytes(rng, 256);
  uint32_t base = crc32c(data);
  for (size_t i = 0; i < data.size() * 8; i += 13) {
    auto copy = data;
    copy[i / 8] ^= static_cast<uint8_t>(1u << (i % 8));
    BOOST_TEST(crc32c(copy) != base);
  }
}
