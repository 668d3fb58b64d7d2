#pragma once
// The metadata snapshots of one node on disk: files named
// "<end offset, 20 digits>-<epoch, 10 digits>.checkpoint" (KRaft's naming)
// in the metadata log's directory, each the bytes of metadata::encode_snapshot.
// Written atomically (temp file, fsync, rename, fsync of the directory) through
// the filesystem seam, so the simulator's disk can lose or tear them.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "metadata/snapshot.h"
#include "storage/file_io.h"

namespace caudal::actors {

class metadata_snapshot_files {
public:
  metadata_snapshot_files(storage::filesystem& fs, std::string dir);

  /// Stores `bytes` (an encoded snapshot with id `id`) and removes all but
  /// the newest `keep` snapshot files.
  storage::status save(std::span<const uint8_t> bytes, metadata::snapshot_id id, size_t keep = 2);
  /// The newest snapshot that decodes; a damaged file is skipped and named in
  /// `skipped`. nullopt when there is none.
  storage::result<std::optional<metadata::snapshot>> load_latest(std::vector<std::string>& skipped);
  /// Ids of the snapshot files present, oldest first.
  storage::result<std::vector<metadata::snapshot_id>> list();

  static std::string file_name(metadata::snapshot_id id);
  static std::optional<metadata::snapshot_id> parse_file_name(const std::string& name);

private:
  storage::result<std::vector<uint8_t>> read_file(const std::string& path);
  storage::status prune(size_t keep);

  storage::filesystem& fs_;
  std::string dir_;
};

} // namespace caudal::actors
