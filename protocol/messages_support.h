#pragma once
// Support types and wire helpers shared by the generated Kafka message codec
// (build/generated/protocol/messages/*). The helpers are out-of-line (see
// messages_support.cpp) so each generated translation unit stays small and
// fast to compile: generated code is straight-line calls into these.

#include "protocol/bytes.h"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace caudal::protocol {

/// A Kafka UUID: 16 raw bytes on the wire (all zero = the "zero UUID").
using uuid = std::array<uint8_t, 16>;

/// A tagged field this codec does not know (or an unknown tag): kept on decode,
/// written back on encode so a message round-trips byte for byte.
struct tagged_field {
  uint32_t tag = 0;
  byte_buffer data;
  bool operator==(const tagged_field&) const = default;
};

namespace wire {

/// Engages `o` with a value-initialised T and returns the value. Generated code
/// uses this instead of `o.emplace()`, which clang 14 rejects for nested
/// structs with default member initialisers inside an enclosing class that
/// defaults operator== (the fuzz targets are built with clang).
template <class T>
T& engage(std::optional<T>& o) {
  o = T{};
  return *o;
}

// Strings: int16 length (non-flexible) or uvarint length+1 (flexible).
void write_string(writer& w, const std::string& s, bool flex);
/// `nullable` says whether this version may carry null; a null value in a
/// version that cannot represent it is written as an empty string.
void write_string_opt(writer& w, const std::optional<std::string>& s, bool flex, bool nullable);
/// Fails the reader on a null (this version's field is not nullable).
void read_string(reader& r, bool flex, std::string& out);
void read_string_opt(reader& r, bool flex, bool nullable, std::optional<std::string>& out);

// Bytes and records: int32 length (non-flexible) or uvarint length+1.
void write_bytes(writer& w, const byte_buffer& b, bool flex);
void write_bytes_opt(writer& w, const std::optional<byte_buffer>& b, bool flex, bool nullable);
void read_bytes(reader& r, bool flex, byte_buffer& out);
void read_bytes_opt(reader& r, bool flex, bool nullable, std::optional<byte_buffer>& out);

// Arrays: int32 count (non-flexible) or uvarint count+1; -1 / 0 is null.
void write_array_len(writer& w, size_t n, bool flex);
/// Writes a null array, or an empty one if this version is not nullable.
void write_null_array(writer& w, bool flex, bool nullable);
/// Returns the element count, -1 for null. Fails the reader (and returns 0)
/// when the count is negative or larger than the bytes left, so callers never
/// allocate more than the input could possibly hold.
int32_t read_array_len(reader& r, bool flex);

// Out of line: inlined into a fresh buffer, GCC 12 reports a bogus -Wstringop-overflow.
void write_uuid(writer& w, const uuid& u);
uuid read_uuid(reader& r);

// Nullable single structs are prefixed by an int8 marker: -1 null, 1 present.
inline void write_struct_marker(writer& w, bool present) { w.i8(present ? 1 : -1); }
/// Returns true if a struct follows.
inline bool read_struct_marker(reader& r) { return r.i8() >= 0; }

/// Writes the unknown tags in [from, end) whose tag is below `below`;
/// advances `from`. Used to merge unknown tags with known ones in tag order.
void write_unknown_tags_below(writer& w, const std::vector<tagged_field>& tags, size_t& from,
                              uint64_t below);
/// Writes one tagged field: uvarint tag, uvarint size, data.
void write_tagged(writer& w, uint32_t tag, const byte_buffer& data);
/// Reads one tagged field header and its payload view. Returns false (reader
/// failed) if it is malformed.
bool read_tag(reader& r, uint32_t& tag, std::span<const uint8_t>& data);
/// Finishes a known tagged field decoded from a sub-reader: it must have
/// consumed the tag's payload exactly, or the outer reader fails.
inline void finish_tag(reader& outer, const reader& sub) {
  if (!sub.at_end()) outer.fail();
}

} // namespace wire
} // namespace caudal::protocol
