#pragma once
// The disk seam. Everything the partition log does to files goes through
// `filesystem` and `file`, so production binds POSIX files and the simulator
// binds an in-memory disk that loses unsynced data on a crash
// (mem_filesystem.h). Paths are plain strings with '/' separators.

#include "storage/result.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace caudal::storage {

enum class open_mode {
  existing,        // read-write, fails with not_found if absent
  create,          // read-write, created empty if absent
  create_truncate, // read-write, created or emptied
};

/// An open file. Not thread-safe: one owner at a time (the partition actor).
class file {
public:
  virtual ~file() = default;
  /// Reads up to out.size() bytes at `offset`; returns how many were read
  /// (fewer only at end of file).
  virtual result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) = 0;
  /// Writes all of `data` at the current end of the file.
  virtual status append(std::span<const uint8_t> data) = 0;
  /// Writes all of `data` at `offset` (extending the file if needed).
  virtual status write_at(uint64_t offset, std::span<const uint8_t> data) = 0;
  /// Makes everything written so far durable (fsync).
  virtual status sync() = 0;
  virtual status truncate(uint64_t size) = 0;
  virtual uint64_t size() const = 0;
};

class filesystem {
public:
  virtual ~filesystem() = default;
  virtual result<std::unique_ptr<file>> open(const std::string& path, open_mode mode) = 0;
  virtual status remove(const std::string& path) = 0;
  /// Atomically replaces `to` with `from`.
  virtual status rename(const std::string& from, const std::string& to) = 0;
  virtual result<bool> exists(const std::string& path) = 0;
  /// Names (not paths) of the entries of a directory, sorted.
  virtual result<std::vector<std::string>> list_dir(const std::string& path) = 0;
  /// mkdir -p.
  virtual status create_dirs(const std::string& path) = 0;
  virtual result<uint64_t> file_size(const std::string& path) = 0;
  /// Makes creations, removals and renames inside `dir` durable (fsync of the directory).
  virtual status sync_dir(const std::string& dir) = 0;
};

/// The real disk: open/pread/pwrite/fsync/ftruncate with O_CLOEXEC.
class posix_filesystem final : public filesystem {
public:
  result<std::unique_ptr<file>> open(const std::string& path, open_mode mode) override;
  status remove(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  result<bool> exists(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& path) override;
  status create_dirs(const std::string& path) override;
  result<uint64_t> file_size(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
};

/// "a/b" + "c" -> "a/b/c".
std::string join_path(const std::string& dir, const std::string& name);

} // namespace caudal::storage
