#pragma once
// The log of one partition replica: a directory `<log.dir>/<topic>-<partition>/`
// of segments (segment.h) plus `partition.checkpoint` (checkpoint.h) and
// `leader-epoch-checkpoint` (leader_epoch_cache.h). Only the
// partition's actor touches it (not thread-safe). Batches are stored as the
// producer sent them; append() assigns base offset and leader epoch in place.
// Time never comes from a clock: every call that needs it takes `now_ms`.
// See storage/README.md for the flush policy, recovery and retention rules.

#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/segment.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace caudal::storage {

struct append_info {
  int64_t base_offset = -1;        // offset of the first record appended
  int64_t last_offset = -1;        // offset of the last record appended
  int64_t log_append_time_ms = -1; // now_ms under LogAppendTime, else -1 (as ProduceResponse wants)
  int64_t max_timestamp = -1;      // largest batch max_timestamp after rewriting
  int32_t batch_count = 0;
  int64_t record_count = 0;
};

struct read_result {
  std::vector<uint8_t> bytes; // whole batches, possibly starting below the requested offset
  int64_t next_offset = 0;    // where the next read should start
};

struct timestamp_offset {
  int64_t timestamp = -1;
  int64_t offset = -1;
  bool operator==(const timestamp_offset&) const = default;
};

/// What open() had to do to bring the log back to a consistent state.
struct recovery_report {
  size_t segments_scanned = 0;   // segments validated batch by batch
  uint64_t bytes_truncated = 0;  // torn/corrupt bytes cut from segment tails
  size_t segments_discarded = 0; // segments dropped after a hole or below the log start
  bool checkpoint_found = false;
  bool epochs_rebuilt = false; // leader-epoch-checkpoint missing or behind the log: rescanned
};

/// "<log_dir>/<topic>-<partition>"
std::string partition_dir(const std::string& log_dir, std::string_view topic, int32_t partition);

class partition_log {
public:
  static constexpr int64_t no_limit = std::numeric_limits<int64_t>::max();

  /// Opens (creating if needed) the log in `dir` and recovers it (see README).
  static result<std::unique_ptr<partition_log>> open(filesystem& fs, std::string dir,
                                                     log_config config, int64_t now_ms);
  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  /// Validates and appends one or more batches (a produce request's record
  /// set, rewritten in place): assigns offsets from the log end offset and
  /// `leader_epoch`, rolls a segment if needed, writes, then applies the
  /// flush policy. Fails without writing if any batch is invalid.
  /// A `leader_epoch` above last_epoch() starts a new entry of the epoch
  /// cache at the current log end offset.
  result<append_info> append(std::span<uint8_t> batches, int32_t leader_epoch, int64_t now_ms);

  /// A follower's append of batches copied from the leader: validated like
  /// append() (size, CRC, magic 2, records) but stored byte for byte, keeping
  /// their offsets and partitionLeaderEpoch. The first batch must start at
  /// the log end offset, batches must be contiguous, and epochs must not
  /// decrease (nor go below last_epoch()); otherwise nothing is written and
  /// the error is invalid_batch. The flush policy applies as for append().
  result<append_info> append_replicated(std::span<const uint8_t> batches, int64_t now_ms);

  /// The checks append() runs on a produced record set (size, CRC, magic,
  /// records), without writing: a replicated leader refuses bad input before
  /// it reaches the consensus core.
  result<std::vector<protocol::batch_span>> validate(std::span<const uint8_t> batches) const;

  /// Epoch of the newest epoch-cache entry (-1 when none, e.g. empty log).
  int32_t last_epoch() const { return epochs_.latest_epoch(); }
  /// OffsetForLeaderEpoch (see leader_epoch_cache::end_offset_for), with the
  /// log end offset as the end of the latest epoch.
  std::pair<int32_t, int64_t> end_offset_for_epoch(int32_t epoch) const {
    return epochs_.end_offset_for(epoch, leo_);
  }
  const std::vector<epoch_entry>& epoch_entries() const { return epochs_.entries(); }

  /// Whole batches starting with the one containing `offset`, at most
  /// `max_bytes` (but the first batch even if larger when `min_one_batch`),
  /// only batches entirely below `max_offset` (e.g. the high watermark), from
  /// one segment. offset_out_of_range outside [log_start_offset, log_end_offset].
  result<read_result> read(int64_t offset, size_t max_bytes, int64_t max_offset = no_limit,
                           bool min_one_batch = true);

  int64_t log_start_offset() const { return log_start_; }
  int64_t log_end_offset() const { return leo_; }
  /// Offsets below this are fsynced (the recovery point).
  int64_t flushed_offset() const { return recovery_point_; }

  /// ListOffsets by timestamp: the first record at or after log start whose
  /// timestamp is >= ts_ms; nullopt if none (Kafka answers offset -1).
  result<std::optional<timestamp_offset>> offset_for_timestamp(int64_t ts_ms);
  /// ListOffsets MAX_TIMESTAMP (-3): the first record holding the largest timestamp.
  result<std::optional<timestamp_offset>> max_timestamp();

  /// fsyncs everything up to the log end offset.
  status flush();
  /// Flushes if flush.messages records are unflushed or flush.ms elapsed.
  status maybe_flush(int64_t now_ms);

  /// Deletes whole segments breaching retention.ms / retention.bytes or lying
  /// entirely below the log start offset, never any data at or above
  /// `high_watermark`. May roll the active segment to delete it. Returns the
  /// number of segments deleted.
  result<size_t> enforce_retention(int64_t now_ms, int64_t high_watermark = no_limit);
  /// DeleteRecords: moves the log start offset up to `offset` (<= log end offset).
  status delete_records_before(int64_t offset);
  /// Removes every record at or after `offset` (cut at the batch containing
  /// it). Below the log start, the log is emptied and restarts at `offset`.
  status truncate_to(int64_t offset); // if the cut batch began below the log start, the log is left
                                      // empty at the log start
  /// Deletes all data; the log restarts empty at `offset`.
  status truncate_fully_and_start_at(int64_t offset);

  /// Clean shutdown: seals and flushes the active segment and records the
  /// recovery point, so the next open only checks the last segment.
  status close();

  void update_config(const log_config& config);
  const log_config& config() const { return config_; }
  size_t segment_count() const { return segments_.size(); }
  int64_t size_bytes() const;
  std::vector<int64_t> segment_base_offsets() const;
  const recovery_report& last_recovery() const { return recovery_; }
  const std::string& dir() const { return dir_; }

private:
  partition_log(filesystem& fs, std::string dir, log_config config);
  status load(int64_t now_ms);
  result<std::vector<int64_t>> list_segments();
  status recover_segments(std::optional<log_checkpoint> cp);
  status discard_segments_from(size_t index);
  status finish_load(int64_t now_ms);
  void assign_offsets(std::span<uint8_t> batches, std::span<protocol::batch_span> spans,
                      int32_t leader_epoch, int64_t now_ms) const;
  status check_replicated(std::span<const protocol::batch_span> spans) const;
  result<append_info> write_batches(std::span<const uint8_t> bytes,
                                    std::span<const protocol::batch_span> spans, int64_t now_ms);
  void note_epochs(std::span<const protocol::batch_span> spans);
  status restore_epochs();
  status rescan_epochs(int64_t from);
  result<protocol::batch_header> header_containing(int64_t offset) const;
  status epochs_follow_start();
  bool should_roll(const segment& active, size_t incoming, int64_t last_offset,
                   int64_t now_ms) const;
  status roll(int64_t now_ms);
  status write_back(std::span<const uint8_t> bytes, std::span<const protocol::batch_span> spans);
  size_t segment_index_for(int64_t offset) const;
  result<read_result> read_from(const segment& seg, const batch_location& first, int64_t offset,
                                size_t max_bytes, int64_t max_offset, bool min_one_batch);
  result<std::optional<timestamp_offset>> scan_for_timestamp(const segment& seg, int64_t from,
                                                             int64_t ts_ms);
  size_t count_deletable(int64_t now_ms, int64_t high_watermark) const;
  status delete_oldest(size_t count);
  status save_checkpoint();
  status fail(error_info err);
  status check_usable() const;

  filesystem& fs_;
  std::string dir_;
  log_config config_;
  std::vector<std::unique_ptr<segment>> segments_;
  int64_t log_start_ = 0;
  int64_t leo_ = 0;
  int64_t recovery_point_ = 0;
  int64_t unflushed_records_ = 0;
  int64_t last_flush_ms_ = 0;
  recovery_report recovery_;
  leader_epoch_cache epochs_;
  std::optional<error_info> failure_;
};

} // namespace caudal::storage
