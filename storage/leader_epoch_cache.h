#pragma once
// Kafka's leader-epoch-checkpoint: for one partition log, the ordered list of
// (leader epoch, offset of the epoch's first batch). Replication needs it to
// answer OffsetForLeaderEpoch ("where did my epoch end on the leader?") so a
// follower can find where its log diverged. The list lives in memory and is
// rewritten atomically (temp file, fsync, rename, directory fsync) in the
// partition directory in Kafka's text format:
//   0                 version
//   <count>
//   <epoch> <start_offset>   one line per entry, epochs and offsets increasing
// Truncations are written at once. A new epoch (assign) is written by
// flush(), which the log calls before it fsyncs data: the file on disk then
// covers every durable batch, and costs no extra fsync on the append path.
// partition_log keeps it consistent with its batches (see storage/README.md).

#include "storage/file_io.h"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace caudal::storage {

struct epoch_entry {
  int32_t epoch = -1;
  int64_t start_offset = -1;
  bool operator==(const epoch_entry&) const = default;
};

inline constexpr std::string_view leader_epoch_file_name = "leader-epoch-checkpoint";

/// The file's text for `entries`.
std::string encode_epoch_checkpoint(const std::vector<epoch_entry>& entries);
/// nullopt if the text is not a well-formed checkpoint (wrong version or
/// count, epochs or start offsets not strictly increasing, negative values).
std::optional<std::vector<epoch_entry>> parse_epoch_checkpoint(std::string_view text);

class leader_epoch_cache {
public:
  leader_epoch_cache(filesystem& fs, std::string dir);

  /// Reads the file. false (cache empty) when it is missing or malformed:
  /// the owner then rebuilds it from the log.
  result<bool> load();

  /// Records that `epoch` starts at `start_offset`, in memory until flush().
  /// Ignored unless `epoch` is above the latest (re-assigning the current
  /// epoch is the common case on every append). Entries starting at or after
  /// `start_offset` are dropped first so start offsets stay increasing (as
  /// Kafka does).
  void assign(int32_t epoch, int64_t start_offset);
  /// Writes the file if assign() changed anything since the last write.
  status flush();
  bool dirty() const { return dirty_; }
  /// The log was cut at `end_offset`: drops entries starting at or after it.
  /// This and the next two write the file at once when they change anything.
  status truncate_from_end(int64_t end_offset);
  /// The log start moved to `start_offset`: entries wholly below it go and the
  /// entry covering it now starts there.
  status truncate_from_start(int64_t start_offset);
  /// Replaces everything (rebuild from the log, or clear with {}).
  status reset(std::vector<epoch_entry> entries);

  /// -1 when empty.
  int32_t latest_epoch() const { return entries_.empty() ? -1 : entries_.back().epoch; }
  /// OffsetForLeaderEpoch: (largest known epoch <= `epoch`, start offset of the
  /// next entry or `log_end` for the latest). An epoch below every entry gives
  /// (epoch, first start offset): its data is gone and a follower must start
  /// there. An epoch above the latest, or -1, gives (-1, -1).
  std::pair<int32_t, int64_t> end_offset_for(int32_t epoch, int64_t log_end) const;
  const std::vector<epoch_entry>& entries() const { return entries_; }

private:
  status persist();

  filesystem& fs_;
  std::string dir_;
  std::vector<epoch_entry> entries_;
  bool dirty_ = false;
};

} // namespace caudal::storage
