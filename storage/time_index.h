#pragma once
// Sparse time index of one segment (Kafka's .timeindex): entries of
// (largest timestamp seen so far, offset relative to the segment base),
// 12 bytes each, strictly increasing in timestamp. Its last entry is the
// segment's largest timestamp once the segment is rolled, which is what
// time-based retention looks at.

#include "storage/index_file.h"

#include <optional>

namespace caudal::storage {

struct time_entry {
  static constexpr size_t size = 12;
  int64_t timestamp = -1;
  int32_t relative_offset = 0;
  void encode(uint8_t* p) const {
    put_be64(p, static_cast<uint64_t>(timestamp));
    put_be32(p + 8, static_cast<uint32_t>(relative_offset));
  }
  static time_entry decode(const uint8_t* p) {
    return {static_cast<int64_t>(get_be64(p)), static_cast<int32_t>(get_be32(p + 8))};
  }
};

class time_index {
public:
  time_index(std::unique_ptr<file> f, int64_t base_offset, size_t max_entries)
      : index_(std::move(f), max_entries), base_(base_offset) {}

  /// Loads from disk; false if inconsistent (timestamps or offsets not
  /// increasing, or offsets at/after `next_offset`).
  result<bool> load(int64_t next_offset);
  /// Appends (timestamp, offset) if the timestamp is larger than the last entry's.
  status maybe_append(int64_t timestamp, int64_t offset);
  /// Offset of the last entry whose timestamp is <= `timestamp`, else the base.
  int64_t lookup(int64_t timestamp) const;
  status truncate_to(int64_t offset);
  status clear() { return index_.truncate(0); }
  status sync() { return index_.sync(); }
  bool full() const { return index_.full(); }
  void set_max_entries(size_t n) { index_.set_max_entries(n); }
  /// (timestamp, absolute offset) of the last entry.
  std::optional<std::pair<int64_t, int64_t>> last() const;

private:
  index_file<time_entry> index_;
  int64_t base_;
};

} // namespace caudal::storage
