#pragma once
// One segment of a partition log: `<base>.log` holding RecordBatches exactly
// as appended (offsets already assigned), plus its sparse `<base>.index` and
// `<base>.timeindex`. File names are the base offset zero-padded to 20
// digits, as in Kafka. The segment knows its size, next offset and largest
// timestamp; the partition_log decides when to roll, flush and delete.

#include "protocol/record_batch.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"

#include <optional>
#include <string>

namespace caudal::storage {

/// Where a batch sits inside a segment.
struct batch_location {
  uint64_t position = 0;
  protocol::batch_header header;
};

/// What a recovery scan found.
struct scan_outcome {
  uint64_t truncated_bytes = 0; // bytes dropped after the last valid batch
  bool truncated() const { return truncated_bytes > 0; }
};

class segment {
public:
  static std::string file_name(int64_t base_offset, std::string_view suffix);

  /// Opens the three files of the segment at `base_offset`. `fresh` creates
  /// them empty (a new segment must never inherit a stale index left behind by
  /// an interrupted deletion); otherwise they are opened, created if absent.
  static result<std::unique_ptr<segment>> open(filesystem& fs, const std::string& dir,
                                               int64_t base_offset, int32_t segment_index_bytes,
                                               bool fresh);

  int64_t base_offset() const { return base_; }
  /// Offset after the last batch (== base_offset() when empty).
  int64_t next_offset() const { return next_offset_; }
  uint64_t size() const { return log_->size(); }
  bool empty() const { return size() == 0; }
  /// Largest batch max_timestamp in the segment, -1 if none.
  int64_t max_timestamp() const { return max_ts_; }
  /// Base offset of the first batch holding max_timestamp(), -1 if none.
  int64_t max_timestamp_batch() const { return max_ts_batch_; }
  /// Time index lookup: an offset such that no earlier record has a timestamp > `ts`.
  int64_t time_index_lookup(int64_t ts) const { return times_.lookup(ts); }
  bool index_full() const { return offsets_.full() || times_.full(); }
  /// When the segment got its first batch (for segment.ms); -1 while empty.
  int64_t rolling_base_ms() const { return rolling_base_ms_; }
  void set_rolling_base_ms(int64_t ms) { rolling_base_ms_ = ms; }
  void set_index_limits(int32_t segment_index_bytes);

  /// Appends batches whose offsets were assigned (`batches` positions are
  /// relative to `bytes`), maintaining the sparse indexes.
  status append(std::span<const uint8_t> bytes, std::span<const protocol::batch_span> batches,
                int32_t index_interval_bytes);

  /// The first batch whose last offset is >= `offset`; nullopt if none.
  result<std::optional<batch_location>> find(int64_t offset) const;
  /// The header of the batch at `position` (which must be a batch boundary).
  result<protocol::batch_header> header_at(uint64_t position) const;
  result<size_t> read(uint64_t position, std::span<uint8_t> out) const;

  /// Validates every batch from the start (length, CRC-32C, contiguous
  /// offsets starting at the base), truncates the file at the first bad one
  /// and rebuilds both indexes.
  result<scan_outcome> recover(int32_t index_interval_bytes);
  /// Loads the indexes of a segment believed intact and validates the batches
  /// after the last index entry; falls back to recover() on any inconsistency.
  result<scan_outcome> load(int32_t index_interval_bytes);

  /// Drops the batch containing `offset` and everything after it.
  status truncate_to(int64_t offset, int32_t index_interval_bytes);
  /// Cuts the log file at `position` (a batch boundary) and rebuilds the indexes.
  status truncate_at_position(uint64_t position, int32_t index_interval_bytes);
  /// Records the final time index entry (the segment's largest timestamp),
  /// as Kafka does when a segment stops being the active one.
  status seal();
  /// fsyncs the log and both indexes (only the files written since last time).
  status flush();
  /// Deletes the three files (the object must not be used afterwards).
  status remove_files(filesystem& fs, const std::string& dir);

private:
  segment(int64_t base, std::unique_ptr<file> log, std::unique_ptr<file> index,
          std::unique_ptr<file> timeindex, int32_t segment_index_bytes);
  status index_batch(const protocol::batch_header& h, uint64_t position, int32_t interval);
  result<scan_outcome> scan_from(uint64_t position, int64_t expected_offset, int32_t interval);
  void reset_state();

  int64_t base_;
  std::unique_ptr<file> log_;
  offset_index offsets_;
  time_index times_;
  int64_t next_offset_;
  int64_t max_ts_ = -1;
  int64_t max_ts_batch_ = -1;
  uint64_t bytes_since_index_ = 0;
  int64_t rolling_base_ms_ = -1;
  bool log_dirty_ = false;
};

} // namespace caudal::storage
