#pragma once
// The negative test's injected bug, in the harness only: a filesystem that
// forwards everything to the simulated disk but whose file::sync() reports
// success without making anything durable — a disk (or a log) that "forgets"
// the fsync the log asked for. With flush.messages=1 and crashes, the checker
// must catch the acknowledged writes this loses.

#include "storage/file_io.h"

namespace caudal::sim {

class lying_filesystem final : public storage::filesystem {
public:
  explicit lying_filesystem(storage::filesystem& inner) : inner_(inner) {}

  storage::result<std::unique_ptr<storage::file>> open(const std::string& path,
                                                       storage::open_mode mode) override;
  storage::status remove(const std::string& path) override { return inner_.remove(path); }
  storage::status rename(const std::string& from, const std::string& to) override {
    return inner_.rename(from, to);
  }
  storage::result<bool> exists(const std::string& path) override { return inner_.exists(path); }
  storage::result<std::vector<std::string>> list_dir(const std::string& path) override {
    return inner_.list_dir(path);
  }
  storage::status create_dirs(const std::string& path) override { return inner_.create_dirs(path); }
  storage::result<uint64_t> file_size(const std::string& path) override {
    return inner_.file_size(path);
  }
  storage::status sync_dir(const std::string& dir) override { return inner_.sync_dir(dir); }

private:
  storage::filesystem& inner_;
};

} // namespace caudal::sim
