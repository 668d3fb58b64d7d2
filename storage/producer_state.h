#pragma once
// Idempotent-producer state of one partition: per producer id its epoch and
// the metadata of its last 5 appended batches, used to detect retried
// duplicates and sequence gaps before an append (Kafka's rules, see
// docs/operations.md "Idempotent producer"). Persisted as snapshot files
// `<20-digit offset>.snapshot` in the partition directory; on open the
// newest snapshot at or below the log end is loaded and the batches after it
// are replayed from the log (producer_state_recovery.cpp). Time is always
// passed in (milliseconds); nothing here reads a clock.

#include "protocol/record_batch.h"
#include "storage/file_io.h"
#include "storage/result.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace caudal::storage {

class partition_log;

struct producer_batch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t timestamp = -1; // the batch's max timestamp
  bool operator==(const producer_batch&) const = default;
};

struct producer_entry {
  int16_t epoch = -1;
  std::deque<producer_batch> batches; // oldest first, at most max_batches
  int64_t last_update_ms = 0;         // for producer.id.expiration.ms
  bool operator==(const producer_entry&) const = default;
};

enum class sequence_verdict {
  ok,               // append it
  duplicate,        // a retry of a batch still remembered: answer with its offsets
  out_of_order,     // OUT_OF_ORDER_SEQUENCE_NUMBER
  fenced_epoch,     // epoch lower than known: INVALID_PRODUCER_EPOCH
  unknown_producer, // no state and sequence != 0: UNKNOWN_PRODUCER_ID
  invalid_record,   // control/transactional/empty batch, or negative epoch/sequence
};

struct sequence_check {
  sequence_verdict verdict = sequence_verdict::ok;
  producer_batch duplicate_of; // set for `duplicate`
  std::string message;
};

/// Last sequence of a batch starting at `first` with `delta` more records,
/// wrapping from INT32_MAX to 0 as Kafka does.
int32_t increment_sequence(int32_t first, int32_t delta);

class producer_state_table {
public:
  static constexpr size_t max_batches = 5;

  /// Kafka's checks for one produced batch (header as the client sent it).
  /// Batches without a producer id only get the control/empty checks.
  sequence_check check(const protocol::batch_header& h) const;
  /// Records an appended batch (header with its assigned base offset).
  void update(const protocol::batch_header& h, int64_t now_ms);
  /// Forgets producers idle for `expiration_ms` or more; returns how many.
  size_t expire(int64_t now_ms, int64_t expiration_ms);

  const producer_entry* find(int64_t producer_id) const;
  size_t size() const { return producers_.size(); }
  bool operator==(const producer_state_table&) const = default;

  /// Snapshot bytes (versioned, CRC-32C protected).
  std::vector<uint8_t> encode() const;
  /// nullopt if the bytes are not a valid snapshot.
  static std::optional<producer_state_table> decode(std::span<const uint8_t> bytes);

private:
  std::map<int64_t, producer_entry> producers_;
};

/// "00000000000000000042.snapshot"
std::string snapshot_file_name(int64_t offset);
/// Offsets of the snapshot files in `dir`, ascending.
result<std::vector<int64_t>> list_snapshots(filesystem& fs, const std::string& dir);
/// Writes the state as of `offset` (the log end it covers): temp file, fsync,
/// rename, directory fsync. Keeps only the newest `keep` snapshots.
status write_snapshot(filesystem& fs, const std::string& dir, int64_t offset,
                      const producer_state_table& table, size_t keep = 2);

struct loaded_producer_state {
  producer_state_table table;
  int64_t next_offset = 0;    // replay the log from here
  bool from_snapshot = false; // a valid snapshot was found
  size_t batches_replayed = 0;
};

/// Loads the newest valid snapshot at or below the log end (deleting those
/// above it: the log lost that data, e.g. a torn tail cut on recovery), then
/// replays the idempotent batches from there to the log end.
result<loaded_producer_state> load_producer_state(filesystem& fs, partition_log& log);

} // namespace caudal::storage
