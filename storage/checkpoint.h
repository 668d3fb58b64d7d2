#pragma once
// The per-partition checkpoint file `partition.checkpoint`: the log start
// offset (moved by retention and DeleteRecords, must survive restarts) and
// the recovery point (everything below it was fsynced, so recovery only scans
// the segments from there on). Written atomically: temp file, fsync, rename,
// fsync of the directory. Text format, one version line then the values:
//   1
//   <log_start_offset> <recovery_point>

#include "storage/file_io.h"

#include <optional>

namespace caudal::storage {

struct log_checkpoint {
  int64_t log_start_offset = 0;
  int64_t recovery_point = 0;
  bool operator==(const log_checkpoint&) const = default;
};

inline constexpr std::string_view checkpoint_file_name = "partition.checkpoint";

status write_checkpoint(filesystem& fs, const std::string& dir, const log_checkpoint& cp);
/// nullopt if the file is absent or unreadable (the log then scans everything).
result<std::optional<log_checkpoint>> read_checkpoint(filesystem& fs, const std::string& dir);

} // namespace caudal::storage
