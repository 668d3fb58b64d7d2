#pragma once
// The storage seams of the consensus core. The replica never touches files:
// the data log and the persisted vote live behind these interfaces (storage/
// implements them on segments + LMDB; tests use in-memory versions).
// Every mutating call returns false on an I/O error, after which the replica
// fail-stops and reports last_error().

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "consensus/messages.h"

namespace caudal::consensus {

/// The durable Raft hard state: current epoch and the vote cast in it.
struct quorum_state {
  int32_t epoch = 0;
  node_id voted_for = no_node;
};

class quorum_store {
public:
  virtual ~quorum_store() = default;
  virtual quorum_state load() = 0;
  /// Must be durable when it returns true (a vote is answered only after).
  virtual bool save(const quorum_state&) = 0;
};

/// A log of record batches addressed by (offset, epoch).
class replicated_log {
public:
  virtual ~replicated_log() = default;
  virtual int64_t start_offset() const = 0;
  virtual int64_t end_offset() const = 0;
  virtual int64_t flushed_offset() const = 0; // offsets below are durable
  virtual int32_t last_epoch() const = 0;     // -1 when the log has no entries
  /// OffsetForLeaderEpoch semantics: {largest epoch <= `epoch` in the log,
  /// start offset of the next higher epoch or the log end}; {-1,-1} if none.
  virtual epoch_end end_of_epoch(int32_t epoch) const = 0;
  /// Whole batches from `offset`, at least one even if larger than max_bytes.
  virtual bool read(int64_t offset, int32_t max_bytes, std::vector<uint8_t>& out) = 0;
  /// Assigns offsets and `epoch` to the batches (rewriting them in place).
  virtual bool append_as_leader(std::span<uint8_t> batches, int32_t epoch, int64_t& base,
                                int64_t& last) = 0;
  /// The leader-change control batch a new leader writes first.
  virtual bool append_leader_marker(int32_t epoch, node_id leader) = 0;
  virtual bool append_replicated(std::span<const uint8_t> batches) = 0; // offsets/epochs kept
  virtual bool truncate_to(int64_t offset) = 0;
  virtual bool reset_to(int64_t offset) = 0; // empty log restarting at offset
  virtual bool flush() = 0;
  virtual std::string last_error() const = 0;
};

} // namespace caudal::consensus
