#pragma once
// A fixed-width-entry index file kept fully in memory (binary search) and
// mirrored to disk by appending entries. Indexes are derived data: if a file
// is missing or inconsistent the segment rebuilds it from the log, so they
// are never the reason data is lost. Used by offset_index and time_index.

#include "storage/file_io.h"

#include <array>
#include <vector>

namespace caudal::storage {

template <class Entry>
class index_file {
public:
  index_file(std::unique_ptr<file> f, size_t max_entries)
      : file_(std::move(f)), max_entries_(max_entries) {}

  /// Reads the entries from disk. A trailing partial entry is ignored.
  status load() {
    size_t count = file_->size() / Entry::size;
    std::vector<uint8_t> buf(count * Entry::size);
    auto n = file_->read_at(0, buf);
    if (!n) return std::move(n).error();
    count = *n / Entry::size;
    entries_.clear();
    entries_.reserve(count);
    for (size_t i = 0; i < count; ++i) entries_.push_back(Entry::decode(&buf[i * Entry::size]));
    // Drop a torn trailing entry so that appends stay aligned.
    if (file_->size() != count * Entry::size) return truncate(count);
    return ok();
  }

  status push(const Entry& e) {
    std::array<uint8_t, Entry::size> buf{};
    e.encode(buf.data());
    CAUDAL_TRY(file_->append(buf));
    entries_.push_back(e);
    dirty_ = true;
    return ok();
  }

  /// Keeps the first `count` entries.
  status truncate(size_t count) {
    if (count < entries_.size()) entries_.resize(count);
    CAUDAL_TRY(file_->truncate(entries_.size() * Entry::size));
    dirty_ = true;
    return ok();
  }

  status sync() {
    if (!dirty_) return ok();
    CAUDAL_TRY(file_->sync());
    dirty_ = false;
    return ok();
  }

  bool full() const { return entries_.size() >= max_entries_; }
  void set_max_entries(size_t n) { max_entries_ = n; }
  const std::vector<Entry>& entries() const { return entries_; }

private:
  std::unique_ptr<file> file_;
  size_t max_entries_;
  std::vector<Entry> entries_;
  bool dirty_ = false;
};

/// Big-endian helpers shared by the index entry codecs.
inline void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline uint32_t get_be32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return v;
}
inline uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

} // namespace caudal::storage
