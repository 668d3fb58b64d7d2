#pragma once
// Sparse offset index of one segment (Kafka's .index): entries of
// (offset relative to the segment base, file position of the batch starting
// there), 8 bytes each, one every index.interval.bytes of log. A lookup gives
// the position from which a short forward scan finds any offset.

#include "storage/index_file.h"

#include <optional>

namespace caudal::storage {

struct offset_entry {
  static constexpr size_t size = 8;
  int32_t relative_offset = 0;
  uint32_t position = 0;
  void encode(uint8_t* p) const {
    put_be32(p, static_cast<uint32_t>(relative_offset));
    put_be32(p + 4, position);
  }
  static offset_entry decode(const uint8_t* p) {
    return {static_cast<int32_t>(get_be32(p)), get_be32(p + 4)};
  }
};

class offset_index {
public:
  offset_index(std::unique_ptr<file> f, int64_t base_offset, size_t max_entries)
      : index_(std::move(f), max_entries), base_(base_offset) {}

  /// Loads from disk; false if the entries are not strictly increasing or
  /// point past `log_size` (the caller then rebuilds the index).
  result<bool> load(uint64_t log_size);
  status append(int64_t offset, uint32_t position);
  /// The last entry at or below `offset` as (absolute offset, position);
  /// (base, 0) if there is none.
  std::pair<int64_t, uint32_t> lookup(int64_t offset) const;
  /// Drops the entries for offsets >= `offset`.
  status truncate_to(int64_t offset);
  status clear() { return index_.truncate(0); }
  status sync() { return index_.sync(); }
  bool full() const { return index_.full(); }
  void set_max_entries(size_t n) { index_.set_max_entries(n); }
  size_t size() const { return index_.entries().size(); }
  std::optional<std::pair<int64_t, uint32_t>> last() const;

private:
  index_file<offset_entry> index_;
  int64_t base_;
};

} // namespace caudal::storage
