#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of a
// RecordBatch v2. The fast path uses the SSE4.2 crc32 instruction when the CPU
// has it; a slicing-by-8 table is the portable fallback.

#include <cstdint>
#include <span>

namespace caudal::protocol {

/// CRC-32C of `data`, continuing from `crc` (the result of a previous call,
/// 0 to start). crc32c(b, crc32c(a)) == crc32c(a ++ b).
uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

/// The two implementations, exposed so tests and benchmarks can compare them.
uint32_t crc32c_table(std::span<const uint8_t> data, uint32_t crc = 0);
/// Only call when crc32c_hw_available() is true.
uint32_t crc32c_hw(std::span<const uint8_t> data, uint32_t crc = 0);
bool crc32c_hw_available();

} // namespace caudal::protocol
