#pragma once
// Builds RecordBatch v2 bytes from records: used by `caudal produce`, tests
// and simulator workloads. Records are encoded as they are added; build()
// compresses them when asked and writes the header with a correct CRC-32C.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace caudal::protocol {

using optional_bytes = std::optional<std::span<const uint8_t>>;

class batch_builder {
public:
  batch_builder& compression(compression_type c) {
    compression_ = c;
    return *this;
  }
  /// Idempotent/transactional producer identity; the defaults (-1) mean none.
  batch_builder& producer(int64_t producer_id, int16_t producer_epoch, int32_t base_sequence) {
    producer_id_ = producer_id;
    producer_epoch_ = producer_epoch;
    base_sequence_ = base_sequence;
    return *this;
  }
  batch_builder& transactional(bool on) { return set_bit(transactional_bit, on); }
  batch_builder& control(bool on) { return set_bit(control_bit, on); }
  batch_builder& log_append_time(bool on) { return set_bit(timestamp_type_bit, on); }
  batch_builder& base_offset(int64_t offset) {
    base_offset_ = offset;
    return *this;
  }
  batch_builder& partition_leader_epoch(int32_t epoch) {
    partition_leader_epoch_ = epoch;
    return *this;
  }

  /// Appends a record with the next offset delta. The first record's
  /// timestamp becomes the batch's base timestamp.
  void add(int64_t timestamp_ms, optional_bytes key, optional_bytes value,
           std::span<const record_header> headers = {});
  void add_text(int64_t timestamp_ms, std::optional<std::string_view> key,
                std::optional<std::string_view> value, std::span<const record_header> headers = {});

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// Uncompressed size of the records added so far (to cut batches by size).
  size_t records_size() const { return records_.size(); }

  /// The batch; empty only if the compressor failed. An empty builder yields
  /// a batch with zero records and timestamps -1.
  byte_buffer build() const;
  /// Forgets the records (settings stay) so the builder can be reused.
  void clear();

private:
  batch_builder& set_bit(int16_t bit, bool on) {
    attributes_ = static_cast<int16_t>(on ? attributes_ | bit : attributes_ & ~bit);
    return *this;
  }
  void write_header(writer& w) const;

  compression_type compression_ = compression_type::none;
  int16_t attributes_ = 0; // flag bits; compression is merged in by build()
  int64_t base_offset_ = 0;
  int32_t partition_leader_epoch_ = -1;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  int64_t base_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
  int32_t count_ = 0;
  byte_buffer records_;
};

/// A transaction marker: a transactional control batch with one record
/// whose key is (version 0, type) and value (version 0, coordinator epoch).
byte_buffer build_control_batch(control_type type, int64_t producer_id, int16_t producer_epoch,
                                int32_t coordinator_epoch, int64_t timestamp_ms,
                                int64_t base_offset = 0, int32_t partition_leader_epoch = -1);

/// A Raft leader's first batch of its epoch (KRaft's LEADER_CHANGE control
/// record): a control batch, not transactional, producer id -1, one record
/// with key (version 0, type 2) and value LeaderChangeMessage v0 (a flexible
/// message: compact arrays, empty tagged fields) listing the voters and the
/// ones that granted the vote. Kafka consumers skip it like any control batch.
byte_buffer build_leader_change_batch(int32_t leader_epoch, int32_t leader_id,
                                      std::span<const int32_t> voters, int64_t timestamp_ms,
                                      std::span<const int32_t> granting_voters = {});

} // namespace caudal::protocol
