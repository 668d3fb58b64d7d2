#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace caudal::bench {

// Every message produced by caudal-load starts with an 8-byte magic and the produce() time in
// steady-clock nanoseconds (little-endian), so the consumer can measure end-to-end latency.
// steady_clock is CLOCK_MONOTONIC on Linux, shared by all processes of one machine.
inline constexpr std::size_t payload_header_size = 16;

// A payload template of the given size filled with seeded pseudo-random bytes (incompressible,
// like real encrypted or already-compressed data); sizes below the header are padded up to it.
std::vector<std::byte> make_payload(std::size_t size, std::uint64_t seed);

// Hands out successive, non-overlapping windows of a random pool (at least 4 MiB), so that
// messages differ from each other like real data does: with one repeated payload, batch
// compression (lz4, zstd, ...) would shrink a batch to almost nothing and flatter the broker.
class payload_source {
public:
  payload_source(std::size_t size, std::uint64_t seed);
  // The next message's bytes, stamped with steady_ns; valid until the next call.
  std::span<std::byte> next(std::int64_t steady_ns);

private:
  std::vector<std::byte> pool_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

// Writes the magic and the timestamp into the first payload_header_size bytes.
void stamp_payload(std::span<std::byte> payload, std::int64_t steady_ns);

// The timestamp embedded by stamp_payload, or nothing when the bytes are not ours.
std::optional<std::int64_t> read_stamp(std::span<const std::byte> payload);

} // namespace caudal::bench
