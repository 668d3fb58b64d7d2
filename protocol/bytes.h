#pragma once
// Byte-level primitives of the Kafka wire format: big-endian integers,
// unsigned varints (tagged fields, compact lengths) and zig-zag varints
// (record fields). The reader carries a sticky error: callers decode a whole
// structure and check `ok()` once at the end, as franz-go does.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace caudal::protocol {

using byte_buffer = std::vector<uint8_t>;

/// Appends wire-format values to a growable buffer.
class writer {
public:
  explicit writer(byte_buffer& out) : out_(out) {}

  void i8(int8_t v) { out_.push_back(static_cast<uint8_t>(v)); }
  void u8(uint8_t v) { out_.push_back(v); }
  void i16(int16_t v) { put_be(static_cast<uint16_t>(v)); }
  void u16(uint16_t v) { put_be(v); }
  void i32(int32_t v) { put_be(static_cast<uint32_t>(v)); }
  void u32(uint32_t v) { put_be(v); }
  void i64(int64_t v) { put_be(static_cast<uint64_t>(v)); }
  void f64(double v) { put_be(std::bit_cast<uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }

  void uvarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }
  void varint(int32_t v) { uvarint(zigzag32(v)); }
  void varlong(int64_t v) { uvarint(zigzag64(v)); }

  void raw(std::span<const uint8_t> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  void raw(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }

  /// Reserves `n` bytes to be patched later (e.g. a length prefix); returns their position.
  size_t reserve(size_t n) {
    size_t at = out_.size();
    out_.resize(at + n);
    return at;
  }
  void patch_i32(size_t at, int32_t v) {
    auto u = static_cast<uint32_t>(v);
    for (int i = 3; i >= 0; --i, u >>= 8) out_[at + i] = static_cast<uint8_t>(u);
  }

  size_t size() const { return out_.size(); }
  byte_buffer& buffer() { return out_; }

  static uint32_t zigzag32(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }
  static uint64_t zigzag64(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

private:
  template <class U>
  void put_be(U v) {
    std::array<uint8_t, sizeof(U)> b;
    for (size_t i = 0; i < sizeof(U); ++i) b[sizeof(U) - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
    out_.insert(out_.end(), b.begin(), b.end());
  }
  byte_buffer& out_;
};

/// Reads wire-format values from a byte span. Any read past the end, or a
/// malformed varint, sets a sticky failure and returns zero values from then on.
class reader {
public:
  explicit reader(std::span<const uint8_t> in) : in_(in) {}

  int8_t i8() { return static_cast<int8_t>(get_be<uint8_t>()); }
  uint8_t u8() { return get_be<uint8_t>(); }
  int16_t i16() { return static_cast<int16_t>(get_be<uint16_t>()); }
  uint16_t u16() { return get_be<uint16_t>(); }
  int32_t i32() { return static_cast<int32_t>(get_be<uint32_t>()); }
  uint32_t u32() { return get_be<uint32_t>(); }
  int64_t i64() { return static_cast<int64_t>(get_be<uint64_t>()); }
  double f64() { return std::bit_cast<double>(get_be<uint64_t>()); }
  bool boolean() { return u8() != 0; }

  /// Unsigned LEB128; more than 10 bytes (or > 64 bits) is malformed.
  uint64_t uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!has(1)) return fail_value<uint64_t>();
      uint8_t b = in_[pos_++];
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail_value<uint64_t>();
  }
  /// An unsigned varint that must fit 32 bits (lengths, counts, tags).
  uint32_t uvarint32() {
    uint64_t v = uvarint();
    if (v > 0xffffffffULL) return fail_value<uint32_t>();
    return static_cast<uint32_t>(v);
  }
  int32_t varint() {
    uint32_t u = uvarint32();
    return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  int64_t varlong() {
    uint64_t u = uvarint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  /// A view of the next `n` bytes (valid while the input lives).
  std::span<const uint8_t> take(size_t n) {
    if (!has(n)) {
      fail();
      return {};
    }
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(size_t n) { take(n); }

  bool has(size_t n) const { return ok_ && in_.size() - pos_ >= n; }
  size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && pos_ == in_.size(); }
  void fail() { ok_ = false; }

private:
  template <class U>
  U fail_value() {
    ok_ = false;
    return U{};
  }
  template <class U>
  U get_be() {
    if (!has(sizeof(U))) return fail_value<U>();
    U v = 0;
    for (size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | in_[pos_ + i]);
    pos_ += sizeof(U);
    return v;
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

} // namespace caudal::protocol
