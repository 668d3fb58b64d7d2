#pragma once
// Codecs of the RecordBatch `records` blob: gzip (zlib), snappy (raw blocks
// on write; raw or xerial-framed on read), lz4 (the LZ4 frame format) and
// zstd. Decompression is bounded so that a small "bomb" cannot make the
// broker allocate without limit.

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/bytes.h"

namespace caudal::protocol {

/// Bits 0-2 of a batch's attributes.
enum class compression_type : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

const char* to_string(compression_type c);

/// Appends the compressed form of `in` to `out`. `none` copies. Returns false
/// for an unknown codec or a codec failure (out is then left as it was).
bool compress(compression_type c, std::span<const uint8_t> in, byte_buffer& out);

/// Appends the decompressed form of `in` to `out`; fails (out left as it was)
/// for corrupt input, an unknown codec, or when the output would exceed
/// `max_out_bytes`.
bool decompress(compression_type c, std::span<const uint8_t> in, byte_buffer& out,
                size_t max_out_bytes);

} // namespace caudal::protocol
