#pragma once
// In-memory replicated_log and quorum_store for tests. Batches use a tiny
// private encoding (one entry per batch): offset i64, epoch i32, kind u8,
// length u32, payload, all big-endian. A "flushed" boundary models fsync:
// crash() drops everything above it, as a power cut would.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/log.h"

namespace caudal::consensus::testing {

struct entry {
  int64_t offset = 0;
  int32_t epoch = 0;
  uint8_t kind = 0; // 0 data, 1 leader marker
  std::vector<uint8_t> payload;
  bool operator==(const entry&) const = default;
};

/// One client batch (offset/epoch are placeholders the leader rewrites).
std::vector<uint8_t> make_batch(const std::string& payload);
void encode(const entry& e, std::vector<uint8_t>& out);
/// Parses a sequence of batches; nullopt on malformed input.
std::optional<std::vector<entry>> decode(std::span<const uint8_t> bytes);

class mem_log : public replicated_log {
public:
  int64_t start_offset() const override { return start_; }
  int64_t end_offset() const override { return start_ + static_cast<int64_t>(entries_.size()); }
  int64_t flushed_offset() const override { return flushed_; }
  int32_t last_epoch() const override;
  epoch_end end_of_epoch(int32_t epoch) const override;
  bool read(int64_t offset, int32_t max_bytes, std::vector<uint8_t>& out) override;
  bool append_as_leader(std::span<uint8_t> batches, int32_t epoch, int64_t& base,
                        int64_t& last) override;
  bool append_leader_marker(int32_t epoch, node_id leader) override;
  bool append_replicated(std::span<const uint8_t> batches) override;
  bool truncate_to(int64_t offset) override;
  bool reset_to(int64_t offset) override;
  bool flush() override;
  std::string last_error() const override { return error_; }

  /// Power cut: unflushed entries are gone.
  void crash();
  /// Entry at `offset`, if held.
  const entry* at(int64_t offset) const;
  const std::vector<entry>& entries() const { return entries_; }
  /// Makes the next mutating call fail (storage error injection).
  bool fail_next = false;
  int flushes = 0;

private:
  bool check_fault(const char* op);
  int64_t start_ = 0;
  int64_t flushed_ = 0;
  std::vector<entry> entries_;
  std::string error_;
};

class mem_store : public quorum_store {
public:
  quorum_state load() override { return state; }
  bool save(const quorum_state& s) override {
    if (fail_next) return false;
    state = s;
    ++saves;
    return true;
  }
  quorum_state state;
  bool fail_next = false;
  int saves = 0;
};

} // namespace caudal::consensus::testing
