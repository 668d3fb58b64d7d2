#pragma once
// Lets the consensus core (consensus/replica.h) drive a partition's storage:
// consensus::replicated_log implemented on a storage::partition_log. Offsets,
// epochs and OffsetForLeaderEpoch answers come from the log and its
// leader-epoch cache; every failing call keeps the storage error's message for
// last_error(). Time for appends comes from the injected `now_ms` source (the
// actor clock), never from a system clock. Not thread-safe: the owner actor
// calls it.

#include "consensus/log.h"
#include "storage/partition_log.h"

#include <functional>

namespace caudal::actors {

class partition_raft_log final : public consensus::replicated_log {
public:
  /// `voters` go into the leader-change batches (LeaderChangeMessage).
  partition_raft_log(storage::partition_log& log, std::function<int64_t()> now_ms,
                     std::vector<consensus::node_id> voters = {});

  void set_voters(std::vector<consensus::node_id> voters) { voters_ = std::move(voters); }

  int64_t start_offset() const override { return log_.log_start_offset(); }
  int64_t end_offset() const override { return log_.log_end_offset(); }
  int64_t flushed_offset() const override { return log_.flushed_offset(); }
  int32_t last_epoch() const override { return log_.last_epoch(); }
  /// consensus/log.h's floor semantics; differs from Kafka's
  /// partition_log::end_offset_for_epoch above the latest epoch and below the
  /// first (see the .cpp).
  consensus::epoch_end end_of_epoch(int32_t epoch) const override;
  bool read(int64_t offset, int32_t max_bytes, std::vector<uint8_t>& out) override;
  bool append_as_leader(std::span<uint8_t> batches, int32_t epoch, int64_t& base,
                        int64_t& last) override;
  bool append_leader_marker(int32_t epoch, consensus::node_id leader) override;
  bool append_replicated(std::span<const uint8_t> batches) override;
  bool truncate_to(int64_t offset) override;
  bool reset_to(int64_t offset) override;
  bool flush() override;
  std::string last_error() const override { return last_error_; }

private:
  bool check(const storage::status& st);

  storage::partition_log& log_;
  std::function<int64_t()> now_ms_;
  std::vector<consensus::node_id> voters_;
  std::string last_error_;
};

} // namespace caudal::actors
