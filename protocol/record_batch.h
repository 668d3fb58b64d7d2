#pragma once
// RecordBatch (magic 2): the unit a producer sends, the log stores and a
// consumer fetches. This file reads and checks batches in place (header
// view, CRC-32C, broker-side validation), splits a produce request's record
// set into batches, rewrites the fields the leader assigns, and decodes
// records (decompressing when needed). Malformed input yields a batch_error,
// never a crash or an unbounded allocation.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/compression.h"

namespace caudal::protocol {

// Byte offsets of the header fields (all big-endian).
inline constexpr size_t base_offset_offset = 0;
inline constexpr size_t batch_length_offset = 8;
inline constexpr size_t partition_leader_epoch_offset = 12;
inline constexpr size_t magic_offset = 16;
inline constexpr size_t crc_offset = 17;
inline constexpr size_t attributes_offset = 21; // the CRC covers [attributes, end)
inline constexpr size_t last_offset_delta_offset = 23;
inline constexpr size_t base_timestamp_offset = 27;
inline constexpr size_t max_timestamp_offset = 35;
inline constexpr size_t producer_id_offset = 43;
inline constexpr size_t producer_epoch_offset = 51;
inline constexpr size_t base_sequence_offset = 53;
inline constexpr size_t records_count_offset = 57;
inline constexpr size_t batch_header_size = 61;
/// batch_length counts the bytes after itself: the smallest legal value.
inline constexpr int32_t min_batch_length = batch_header_size - 12;
inline constexpr int8_t current_magic = 2;

// Attribute bits.
inline constexpr int16_t compression_mask = 0x07;
inline constexpr int16_t timestamp_type_bit = 0x08; // 1 = log-append time
inline constexpr int16_t transactional_bit = 0x10;
inline constexpr int16_t control_bit = 0x20;
inline constexpr int16_t delete_horizon_bit = 0x40;

/// Upper bound on a batch's decompressed records unless the caller says otherwise.
inline constexpr size_t default_max_uncompressed_bytes = 64u * 1024 * 1024;

struct batch_header {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = current_magic;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  compression_type compression() const {
    return static_cast<compression_type>(attributes & compression_mask);
  }
  bool is_transactional() const { return (attributes & transactional_bit) != 0; }
  bool is_control() const { return (attributes & control_bit) != 0; }
  bool log_append_time() const { return (attributes & timestamp_type_bit) != 0; }
  /// Wraps instead of overflowing: header fields may come from untrusted bytes.
  int64_t last_offset() const {
    return static_cast<int64_t>(static_cast<uint64_t>(base_offset) +
                                static_cast<uint64_t>(static_cast<int64_t>(last_offset_delta)));
  }
  /// Bytes the whole batch occupies (only meaningful once batch_length was checked).
  size_t total_size() const { return static_cast<size_t>(batch_length) + 12; }
  bool operator==(const batch_header&) const = default;
};

enum class batch_error {
  none,
  truncated,               // fewer bytes than the header or batch_length claims
  invalid_length,          // batch_length below the minimum or not matching the input
  unsupported_magic,       // magic 0/1 message set, or an unknown magic
  crc_mismatch,            // CRC-32C over attributes..end differs
  invalid_record_count,    // negative count, or count not matching the records present
  invalid_offset_delta,    // negative last_offset_delta, or record deltas not 0..n-1
  invalid_records,         // a record does not parse
  unsupported_compression, // codec bits 5-7
  decompression_failed,    // corrupt compressed data, or larger than the allowed bound
};

const char* to_string(batch_error e);

/// Reads the 61-byte header (no CRC or sanity check); nullopt if fewer bytes.
std::optional<batch_header> read_batch_header(std::span<const uint8_t> data);

/// Structure + CRC only (what storage needs to detect a torn or corrupt
/// tail): size, magic, batch_length equal to the input, CRC.
batch_error check_batch_integrity(std::span<const uint8_t> exactly_one_batch);

/// The broker's full validation of one produced batch: integrity, then
/// records_count >= 0, last_offset_delta >= 0 and equal to count - 1 when
/// count > 0, and the (decompressed) records parse, number exactly
/// records_count, fill the batch exactly, and have offset deltas 0..n-1.
batch_error validate_batch(std::span<const uint8_t> exactly_one_batch,
                           size_t max_uncompressed_bytes = default_max_uncompressed_bytes);

struct batch_span {
  size_t position = 0; // offset of the batch inside the record set
  batch_header header;
  size_t size() const { return header.total_size(); }
};

/// Splits a record set (one or more whole batches) at batch boundaries,
/// checking magic and lengths but not CRCs. A partial trailing batch is
/// `truncated`; magic 0/1 message sets are `unsupported_magic`. `out` is
/// cleared first; an empty record set yields none and no spans.
batch_error split_batches(std::span<const uint8_t> record_set, std::vector<batch_span>& out);

// In-place rewrites by the leader. Each needs batch.size() >= batch_header_size
// (otherwise it does nothing). base offset and leader epoch sit outside the
// CRC range; the log-append-time rewrite recomputes the CRC over the span.
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
void set_max_timestamp_and_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms);
/// Recomputes and stores the CRC of exactly one batch.
void update_batch_crc(std::span<uint8_t> batch);
/// CRC-32C of a batch's [attributes, end) range.
uint32_t compute_batch_crc(std::span<const uint8_t> batch);

struct record_header {
  std::string key;
  std::optional<byte_buffer> value;
  bool operator==(const record_header&) const = default;
};

struct record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<byte_buffer> key;
  std::optional<byte_buffer> value;
  std::vector<record_header> headers;
  bool operator==(const record&) const = default;
};

/// A record as it sits in the (decompressed) records bytes: no copies.
struct record_view {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::span<const uint8_t>> key;
  std::optional<std::span<const uint8_t>> value;
  int32_t header_count = 0;
  std::span<const uint8_t> encoded_headers; // header_count [key, value] pairs
};

/// Decodes the records of one batch (integrity and CRC are checked first),
/// decompressing as needed. Appends to `out`; on error `out` is unchanged.
batch_error decode_records(std::span<const uint8_t> batch, std::vector<record>& out,
                           size_t max_uncompressed_bytes = default_max_uncompressed_bytes);

/// Calls `fn` for each record view in order, after the same checks as
/// decode_records; `fn` returning false stops early (result none). Views
/// point into `batch` or a decompressed buffer that lives during the call.
batch_error visit_records(std::span<const uint8_t> batch,
                          const std::function<bool(const record_view&)>& fn,
                          size_t max_uncompressed_bytes = default_max_uncompressed_bytes);

/// Decodes a view's encoded headers (they were validated by the scan).
std::vector<record_header> decode_headers(const record_view& v);
record to_record(const record_view& v);

// Control batches (transaction markers).
enum class control_type : int16_t { abort = 0, commit = 1 };
struct end_txn_marker {
  control_type type = control_type::abort;
  int32_t coordinator_epoch = 0;
  bool operator==(const end_txn_marker&) const = default;
};
/// The marker carried by a control record; nullopt for other control types
/// or malformed key/value.
std::optional<end_txn_marker> parse_end_txn_marker(const record& r);

} // namespace caudal::protocol
