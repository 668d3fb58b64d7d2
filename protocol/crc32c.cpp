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

namespace {

// The crc32 instruction has a latency of 3 cycles but a throughput of one
// per cycle, so three independent streams over adjacent stripes run ~3x
// faster than one. Their raw CRC registers are then combined: for data X‖Y,
// reg(s, X‖Y) = shift_|Y|(reg(s, X)) ^ reg(0, Y), where shift_n (feeding n
// zero bytes) is linear over GF(2), so it is applied with four byte tables.
constexpr size_t long_stripe = 8192;
constexpr size_t short_stripe = 256;

struct shift_op {
  std::array<std::array<uint32_t, 256>, 4> t{};
  uint32_t operator()(uint32_t reg) const {
    return t[0][reg & 0xff] ^ t[1][(reg >> 8) & 0xff] ^ t[2][(reg >> 16) & 0xff] ^ t[3][reg >> 24];
  }
};

// Feeding `n` zero bytes to each basis register gives the columns of shift_n.
shift_op make_shift(size_t n) {
  std::array<uint32_t, 32> column{};
  for (int bit = 0; bit < 32; ++bit) {
    uint32_t reg = 1u << bit;
    for (size_t i = 0; i < n; ++i) reg = (reg >> 8) ^ tables[0][reg & 0xff];
    column[bit] = reg;
  }
  shift_op op;
  for (int byte = 0; byte < 4; ++byte)
    for (uint32_t v = 0; v < 256; ++v)
      for (int bit = 0; bit < 8; ++bit)
        if (v & (1u << bit)) op.t[byte][v] ^= column[byte * 8 + bit];
  return op;
}

const shift_op& shift_long() {
  static const shift_op op = make_shift(long_stripe);
  return op;
}
const shift_op& shift_short() {
  static const shift_op op = make_shift(short_stripe);
  return op;
}

// Consumes as many 3 * stripe chunks as fit; returns the raw register.
__attribute__((target("sse4.2"))) uint32_t three_streams(uint32_t reg, const uint8_t*& p, size_t& n,
                                                         size_t stripe, const shift_op& shift) {
  while (n >= 3 * stripe) {
    uint64_t c0 = reg, c1 = 0, c2 = 0;
    for (size_t i = 0; i < stripe; i += 8) {
      uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p + stripe + i, 8);
      std::memcpy(&v2, p + 2 * stripe + i, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    reg = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    reg = shift(reg) ^ static_cast<uint32_t>(c2);
    p += 3 * stripe;
    n -= 3 * stripe;
  }
  return reg;
}

} // namespace

__attribute__((target("sse4.2"))) uint32_t crc32c_hw(std::span<const uint8_t> data, uint32_t crc) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint32_t reg = three_streams(~crc, p, n, long_stripe, shift_long());
  reg = three_streams(reg, p, n, short_stripe, shift_short());
  uint64_t c = reg;
  // One stream for the rest; the unaligned loads are memcpy'd.
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
