#pragma once
// A small deterministic mutator (seeded; no libFuzzer needed) for the fuzz
// smoke test: bit flips, byte sets, interesting values, truncation, random
// growth, chunk duplication and splicing of two corpus entries.

#include <cstdint>
#include <random>
#include <vector>

namespace caudal::fuzz {

class mutator {
public:
  explicit mutator(uint64_t seed) : rng_(seed) {}

  std::vector<uint8_t> mutate(const std::vector<uint8_t>& in, const std::vector<uint8_t>& other) {
    auto out = in;
    size_t rounds = 1 + below(4);
    for (size_t i = 0; i < rounds; ++i) step(out, other);
    return out;
  }

  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

private:
  void step(std::vector<uint8_t>& b, const std::vector<uint8_t>& other) {
    static constexpr uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
    switch (below(b.empty() ? 1 : 7)) {
    case 0:
      b.push_back(static_cast<uint8_t>(rng_()));
      break;
    case 1:
      b[below(b.size())] ^= static_cast<uint8_t>(1u << below(8));
      break;
    case 2:
      b[below(b.size())] = static_cast<uint8_t>(rng_());
      break;
    case 3:
      b[below(b.size())] = interesting[below(sizeof interesting)];
      break;
    case 4:
      b.resize(below(b.size() + 1));
      break;
    case 5:
      duplicate_chunk(b);
      break;
    case 6:
      splice(b, other);
      break;
    }
  }
  void duplicate_chunk(std::vector<uint8_t>& b) {
    size_t from = below(b.size()), len = 1 + below(std::min<size_t>(64, b.size() - from));
    std::vector<uint8_t> chunk(b.begin() + from, b.begin() + from + len);
    b.insert(b.begin() + below(b.size() + 1), chunk.begin(), chunk.end());
  }
  void splice(std::vector<uint8_t>& b, const std::vector<uint8_t>& other) {
    if (other.empty()) return;
    size_t cut = below(b.size() + 1), from = below(other.size());
    b.resize(cut);
    b.insert(b.end(), other.begin() + from, other.end());
  }

  std::mt19937_64 rng_;
};

} // namespace caudal::fuzz
