#include "storage/mem_filesystem.h"

#include <fmt/format.h>

#include <algorithm>

namespace caudal::storage {

namespace {

/// One write or truncate not yet made durable, replayed (in part) by crash().
struct pending_op {
  bool is_truncate = false;
  uint64_t offset = 0; // write position, or new size for a truncate
  std::vector<uint8_t> bytes;
};

/// splitmix64: a tiny, portable, seeded generator (std distributions differ
/// between standard libraries, and runs must replay bit for bit).
struct splitmix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
};

void apply_write(std::vector<uint8_t>& data, uint64_t offset, std::span<const uint8_t> bytes) {
  if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size(), 0);
  std::copy(bytes.begin(), bytes.end(), data.begin() + static_cast<ptrdiff_t>(offset));
}

void apply_op(std::vector<uint8_t>& data, const pending_op& op, size_t keep_bytes) {
  if (op.is_truncate) {
    data.resize(op.offset, 0);
    return;
  }
  apply_write(data, op.offset, std::span(op.bytes).first(keep_bytes));
}

std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == std::string::npos ? std::string{} : path.substr(0, pos);
}

std::string normalize(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

} // namespace

struct mem_filesystem::inode {
  std::vector<uint8_t> data;    // what reads see
  std::vector<uint8_t> durable; // what survives a crash
  std::vector<pending_op> journal;
};

namespace {

class mem_file final : public file {
public:
  mem_file(mem_filesystem& fs, std::shared_ptr<mem_filesystem::inode> node, std::string path)
      : fs_(fs), node_(std::move(node)), path_(std::move(path)), generation_(fs.generation()) {}

  result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    CAUDAL_TRY(check());
    const auto& d = node_->data;
    if (offset >= d.size()) return size_t{0};
    size_t n = std::min<uint64_t>(out.size(), d.size() - offset);
    std::copy_n(d.begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
    return n;
  }

  status append(std::span<const uint8_t> data) override { return write_at(size(), data); }

  status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    CAUDAL_TRY(check());
    uint64_t end = offset + data.size();
    if (end > node_->data.size() && !fs_.take_space(end - node_->data.size()))
      return make_error(errc::no_space, "injected disk full: " + path_);
    apply_write(node_->data, offset, data);
    node_->journal.push_back(pending_op{false, offset, {data.begin(), data.end()}});
    return ok();
  }

  status sync() override {
    CAUDAL_TRY(check());
    if (fs_.take_sync_failure(path_))
      return make_error(errc::io_error, "injected fsync failure: " + path_);
    node_->durable = node_->data;
    node_->journal.clear();
    fs_.count_sync();
    return ok();
  }

  status truncate(uint64_t size) override {
    CAUDAL_TRY(check());
    node_->data.resize(size, 0);
    node_->journal.push_back(pending_op{true, size, {}});
    return ok();
  }

  uint64_t size() const override { return node_->data.size(); }

private:
  status check() const {
    if (generation_ != fs_.generation())
      return make_error(errc::io_error, "file handle from before a crash: " + path_);
    return ok();
  }

  mem_filesystem& fs_;
  std::shared_ptr<mem_filesystem::inode> node_;
  std::string path_;
  uint64_t generation_;
};

} // namespace

mem_filesystem::mem_filesystem() {
  dirs_.insert("");
  dirs_.insert("/");
}
mem_filesystem::~mem_filesystem() = default;

result<std::unique_ptr<file>> mem_filesystem::open(const std::string& raw, open_mode mode) {
  auto path = normalize(raw);
  if (!dirs_.count(parent_of(path)) && !parent_of(path).empty())
    return make_error(errc::not_found, "open " + path + ": no such directory");
  auto it = names_.find(path);
  if (it == names_.end()) {
    if (mode == open_mode::existing) return make_error(errc::not_found, "open " + path);
    it = names_.emplace(path, std::make_shared<inode>()).first;
  } else if (mode == open_mode::create_truncate && !it->second->data.empty()) {
    it->second->data.clear();
    it->second->journal.push_back(pending_op{true, 0, {}});
  }
  return std::unique_ptr<file>(std::make_unique<mem_file>(*this, it->second, path));
}

status mem_filesystem::remove(const std::string& raw) {
  if (names_.erase(normalize(raw)) == 0) return make_error(errc::not_found, "remove " + raw);
  return ok();
}

status mem_filesystem::rename(const std::string& from_raw, const std::string& to_raw) {
  auto from = normalize(from_raw);
  auto it = names_.find(from);
  if (it == names_.end()) return make_error(errc::not_found, "rename " + from);
  auto node = it->second;
  names_.erase(it);
  names_[normalize(to_raw)] = std::move(node);
  return ok();
}

result<bool> mem_filesystem::exists(const std::string& raw) {
  auto path = normalize(raw);
  return names_.count(path) > 0 || dirs_.count(path) > 0;
}

result<std::vector<std::string>> mem_filesystem::list_dir(const std::string& raw) {
  auto dir = normalize(raw);
  if (!dirs_.count(dir)) return make_error(errc::not_found, "list " + dir);
  std::vector<std::string> out;
  for (const auto& [path, node] : names_)
    if (parent_of(path) == dir) out.push_back(path.substr(dir.size() + 1));
  for (const auto& d : dirs_)
    if (!d.empty() && d != dir && parent_of(d) == dir) out.push_back(d.substr(dir.size() + 1));
  std::sort(out.begin(), out.end());
  return out;
}

status mem_filesystem::create_dirs(const std::string& raw) {
  auto dir = normalize(raw);
  for (size_t pos = 1; pos <= dir.size(); ++pos)
    if (pos == dir.size() || dir[pos] == '/') dirs_.insert(dir.substr(0, pos));
  return ok();
}

result<uint64_t> mem_filesystem::file_size(const std::string& raw) {
  auto it = names_.find(normalize(raw));
  if (it == names_.end()) return make_error(errc::not_found, "stat " + raw);
  return static_cast<uint64_t>(it->second->data.size());
}

status mem_filesystem::sync_dir(const std::string& raw) {
  auto dir = normalize(raw);
  if (!dirs_.count(dir)) return make_error(errc::not_found, "sync_dir " + dir);
  std::erase_if(durable_names_, [&](const auto& e) { return parent_of(e.first) == dir; });
  for (const auto& [path, node] : names_)
    if (parent_of(path) == dir) durable_names_[path] = node;
  return ok();
}

bool mem_filesystem::take_sync_failure(const std::string& path) {
  if (failing_syncs_ > 0) {
    --failing_syncs_;
    return true;
  }
  if (faults_.sync_fail_per_mille == 0) return false;
  splitmix64 rng{fault_rng_};
  bool fail = rng.below(1000) < faults_.sync_fail_per_mille;
  fault_rng_ = rng.state;
  if (!fail) return false;
  ++injected_sync_failures_;
  if (on_fault_) on_fault_("disk: fsync failed: " + path);
  return true;
}

void mem_filesystem::set_faults(const disk_faults& f, uint64_t seed) {
  faults_ = f;
  fault_rng_ = seed;
}

uint64_t mem_filesystem::used_bytes() const {
  uint64_t n = 0;
  for (const auto& [path, node] : names_) n += node->data.size();
  return n;
}

bool mem_filesystem::take_space(uint64_t growth) {
  if (faults_.capacity_bytes == 0 || used_bytes() + growth <= faults_.capacity_bytes) return true;
  ++no_space_failures_;
  if (on_fault_) on_fault_("disk: full, write of " + std::to_string(growth) + " bytes refused");
  return false;
}

std::vector<uint8_t>* mem_filesystem::contents(const std::string& path) {
  auto it = names_.find(normalize(path));
  return it == names_.end() ? nullptr : &it->second->data;
}

void mem_filesystem::crash(crash_mode mode, uint64_t seed) {
  splitmix64 rng{seed};
  names_ = durable_names_;
  for (auto& [path, node] : names_) {
    auto& journal = node->journal;
    size_t keep_ops = 0;
    if (mode == crash_mode::tear_last_write) keep_ops = journal.size();
    if (mode == crash_mode::random_prefix) keep_ops = rng.below(journal.size() + 1);
    std::vector<uint8_t> data = node->durable;
    for (size_t i = 0; i < keep_ops; ++i) {
      const auto& op = journal[i];
      bool last = i + 1 == keep_ops;
      // tear_last_write always loses at least the last byte of the last write.
      size_t tear = mode == crash_mode::tear_last_write ? rng.below(op.bytes.size())
                                                        : rng.below(op.bytes.size() + 1);
      size_t keep_bytes = last ? tear : op.bytes.size();
      apply_op(data, op, keep_bytes);
    }
    node->data = data;
    node->durable = std::move(data);
    journal.clear();
  }
  ++generation_;
}

} // namespace caudal::storage
