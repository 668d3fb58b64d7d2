#pragma once
// An in-memory disk for tests and the simulator. It models what a real disk
// guarantees: bytes become durable only through file::sync(); creations,
// removals and renames become durable only through filesystem::sync_dir() of
// their parent directory. crash() throws away everything that was not made
// durable (optionally keeping a seeded, torn part of it), exactly like a power
// loss. Directories themselves are durable as soon as they are created (a
// simplification: the log syncs the files inside them anyway).
//
// Single-threaded (the simulator's scheduler is). Files opened before a crash
// are stale afterwards: every call on them fails with io_error.

#include "storage/file_io.h"

#include <functional>
#include <map>
#include <set>

namespace caudal::storage {

enum class crash_mode {
  lose_unsynced,   // power loss: every unsynced byte and name change is gone
  tear_last_write, // unsynced writes survive except each file's last one, cut at a seeded length
  random_prefix,   // each file keeps a seeded prefix of its unsynced writes, the last one torn
};

/// Seeded disk faults the simulator turns on (all off by default).
struct disk_faults {
  /// Chance, in 1/1000, that a file sync fails: it returns io_error and makes
  /// nothing durable (the bytes stay pending, as after a real EIO).
  uint32_t sync_fail_per_mille = 0;
  /// Total bytes the files may hold; 0 = unlimited. A write that would grow
  /// the files past it fails with no_space and writes nothing.
  uint64_t capacity_bytes = 0;
};

class mem_filesystem final : public filesystem {
public:
  struct inode;

  mem_filesystem();
  ~mem_filesystem() override;

  result<std::unique_ptr<file>> open(const std::string& path, open_mode mode) override;
  status remove(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  result<bool> exists(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& path) override;
  status create_dirs(const std::string& path) override;
  result<uint64_t> file_size(const std::string& path) override;
  status sync_dir(const std::string& dir) override;

  /// Simulates a power loss (or, with the tearing modes, a crash in the middle
  /// of writing). `seed` drives where writes are torn.
  void crash(crash_mode mode = crash_mode::lose_unsynced, uint64_t seed = 0);

  /// The next `n` file syncs fail with io_error and make nothing durable.
  void fail_next_syncs(int n) { failing_syncs_ = n; }
  /// Turns on seeded faults; `seed` drives which syncs fail.
  void set_faults(const disk_faults& f, uint64_t seed);
  const disk_faults& faults() const { return faults_; }
  /// Called with a short description of every injected fault (trace lines).
  void on_fault(std::function<void(const std::string&)> fn) { on_fault_ = std::move(fn); }
  /// Bytes held by the named files (what the capacity limits).
  uint64_t used_bytes() const;
  uint64_t injected_sync_failures() const { return injected_sync_failures_; }
  uint64_t no_space_failures() const { return no_space_failures_; }
  /// Number of successful file syncs so far (tests check the flush policy with it).
  uint64_t sync_count() const { return sync_count_; }
  /// Direct access to a file's current bytes (tests corrupt them with it).
  std::vector<uint8_t>* contents(const std::string& path);

  // Used by the file handles.
  uint64_t generation() const { return generation_; }
  bool take_sync_failure(const std::string& path);
  void count_sync() { ++sync_count_; }
  /// False (and counted) if growing a file by `growth` bytes would pass the capacity.
  bool take_space(uint64_t growth);

private:
  std::map<std::string, std::shared_ptr<inode>> names_;
  std::map<std::string, std::shared_ptr<inode>> durable_names_;
  std::set<std::string> dirs_;
  uint64_t generation_ = 0;
  int failing_syncs_ = 0;
  uint64_t sync_count_ = 0;
  disk_faults faults_;
  uint64_t fault_rng_ = 0; // splitmix64 state
  uint64_t injected_sync_failures_ = 0;
  uint64_t no_space_failures_ = 0;
  std::function<void(const std::string&)> on_fault_;
};

} // namespace caudal::storage
