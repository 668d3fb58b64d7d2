#include "protocol/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define CAUDAL_CRC32C_X86 1
#endif

namespace caudal::protocol {
namespace {

constexpr uint32_t castagnoli_reflected = 0x82F63B78u;

// tables[k][b] = CRC of byte b followed by k zero bytes; slicing-by-8 folds
// eight input bytes per step with eight lookups.
using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr crc_tables make_tables() {
  crc_tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ castagnoli_reflected : c >> 1;
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b)
    for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  return t;
}

constexpr crc_tables tables = make_tables();

uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

} // namespace

uint32_t crc32c_table(std::span<const uint8_t> data, uint32_t crc) {
  uint32_t c = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v = load_le64(p) ^ c;
    c = tables[7][v & 0xff] ^ tables[6][(v >> 8) & 0xff] ^ tables[5][(v >> 16) & 0xff] ^
        tables[4][(v >> 24) & 0xff] ^ tables[3][(v >> 32) & 0xff] ^ tables[2][(v >> 40) & 0xff] ^
        tables[1][(v >> 48) & 0xff] ^ tables[0][v >> 56];
  }
  for (; n > 0; --n, ++p) c = (c >> 8) ^ tables[0][(c ^ *p) & 0xff];
  return ~c;
}

#if CAUDAL_CRC32C_X86

__attribute__((target("sse4.2"))) uint32_t crc32c_hw(std::span<const uint8_t> data, uint32_t crc) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint64_t c = ~crc;
  // One crc32 instruction per 8 bytes; the unaligned load is memcpy'd.
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

bool crc32c_hw_available() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}

#else

uint32_t crc32c_hw(std::span<const uint8_t> data, uint32_t crc) { return crc32c_table(data, crc); }
bool crc32c_hw_available() { return false; }

#endif

uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc) {
  return crc32c_hw_available() ? crc32c_hw(data, crc) : crc32c_table(data, crc);
}

} // namespace caudal::protocol
