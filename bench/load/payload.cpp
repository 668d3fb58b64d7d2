#include "bench/load/payload.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace caudal::bench {

namespace {

constexpr char magic[8] = {'C', 'A', 'U', 'D', 'A', 'L', 'L', 'D'};

} // namespace

std::vector<std::byte> make_payload(std::size_t size, std::uint64_t seed) {
  std::vector<std::byte> out(std::max(size, payload_header_size));
  std::mt19937_64 gen(seed);
  for (std::size_t i = 0; i < out.size(); i += 8) {
    const std::uint64_t word = gen();
    const std::size_t n = std::min<std::size_t>(8, out.size() - i);
    std::memcpy(out.data() + i, &word, n);
  }
  return out;
}

payload_source::payload_source(std::size_t size, std::uint64_t seed)
    : pool_(make_payload(std::max<std::size_t>(std::size_t{4} << 20, 4 * size), seed)),
      size_(std::max(size, payload_header_size)) {}

std::span<std::byte> payload_source::next(std::int64_t steady_ns) {
  if (offset_ + size_ > pool_.size()) offset_ = 0;
  std::span<std::byte> window(pool_.data() + offset_, size_);
  offset_ += size_;
  stamp_payload(window, steady_ns);
  return window;
}

void stamp_payload(std::span<std::byte> payload, std::int64_t steady_ns) {
  if (payload.size() < payload_header_size) return;
  std::memcpy(payload.data(), magic, sizeof(magic));
  const auto v = static_cast<std::uint64_t>(steady_ns);
  for (std::size_t i = 0; i < 8; ++i) payload[8 + i] = static_cast<std::byte>(v >> (8 * i));
}

std::optional<std::int64_t> read_stamp(std::span<const std::byte> payload) {
  if (payload.size() < payload_header_size) return std::nullopt;
  if (std::memcmp(payload.data(), magic, sizeof(magic)) != 0) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i)
    v |= std::to_integer<std::uint64_t>(payload[8 + i]) << (8 * i);
  return static_cast<std::int64_t>(v);
}

} // namespace caudal::bench
