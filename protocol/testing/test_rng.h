#pragma once
// Deterministic pseudo-random source for protocol tests (splitmix64). Test
// code only: production code takes randomness from a seeded generator too,
// but never from this header.

#include "protocol/messages_support.h"

#include <cstdint>
#include <string>

namespace caudal::protocol {

class test_rng {
public:
  explicit test_rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform-ish in [0, n); n > 0.
  uint64_t below(uint64_t n) { return next() % n; }
  /// True once in `n` draws on average.
  bool one_in(uint64_t n) { return below(n) == 0; }
  /// An element count in [0, max].
  size_t count(size_t max) { return static_cast<size_t>(below(max + 1)); }

  int8_t i8() { return static_cast<int8_t>(next()); }
  int16_t i16() { return static_cast<int16_t>(next()); }
  uint16_t u16() { return static_cast<uint16_t>(next()); }
  int32_t i32() { return static_cast<int32_t>(next()); }
  uint32_t u32() { return static_cast<uint32_t>(next()); }
  int64_t i64() { return static_cast<int64_t>(next()); }
  bool boolean() { return (next() & 1) != 0; }
  /// Finite doubles only, so equality after a round trip is meaningful.
  double f64() { return static_cast<double>(i32()) / 8.0; }

  std::string str() {
    std::string s(count(8), 'a');
    for (auto& c : s) c = static_cast<char>('a' + below(26));
    return s;
  }
  byte_buffer bytes() {
    byte_buffer b(count(16));
    for (auto& c : b) c = static_cast<uint8_t>(next());
    return b;
  }
  uuid id() {
    uuid u;
    for (auto& c : u) c = static_cast<uint8_t>(next());
    return u;
  }

  /// Adds 0..2 unknown tagged fields with ascending tags >= first_free.
  void unknown_tags(std::vector<tagged_field>& out, uint32_t first_free) {
    out.clear();
    uint32_t tag = first_free;
    for (size_t n = count(2); n > 0; --n) {
      tag += static_cast<uint32_t>(below(200));
      out.push_back({tag, bytes()});
      ++tag;
    }
  }

private:
  uint64_t state_;
};

} // namespace caudal::protocol
