#include "actors/partition_raft_log.h"

#include "protocol/record_builder.h"

namespace caudal::actors {

partition_raft_log::partition_raft_log(storage::partition_log& log, std::function<int64_t()> now_ms,
                                       std::vector<consensus::node_id> voters)
    : log_(log), now_ms_(std::move(now_ms)), voters_(std::move(voters)) {}

bool partition_raft_log::check(const storage::status& st) {
  if (st) return true;
  last_error_ = st.error().message;
  return false;
}

// consensus/log.h asks for the largest epoch <= `epoch` in the log, {-1,-1}
// if none. Kafka's cache differs at two edges, mapped here: an epoch above the
// latest is "unknown" to Kafka but has the latest as its floor; an epoch below
// every entry gets (epoch, first start) from Kafka, which would let a follower
// keep divergent entries below the leader's log start.
consensus::epoch_end partition_raft_log::end_of_epoch(int32_t epoch) const {
  const auto& entries = log_.epoch_entries();
  if (epoch < 0 || entries.empty() || epoch < entries.front().epoch) return {};
  if (epoch > entries.back().epoch) return {entries.back().epoch, log_.log_end_offset()};
  auto [e, end] = log_.end_offset_for_epoch(epoch);
  return consensus::epoch_end{e, end};
}

bool partition_raft_log::read(int64_t offset, int32_t max_bytes, std::vector<uint8_t>& out) {
  // min_one_batch: a batch larger than max_bytes must not stall replication.
  auto r = log_.read(offset, static_cast<size_t>(std::max(max_bytes, 0)),
                     storage::partition_log::no_limit, true);
  if (!r) return check(std::move(r).error());
  out = std::move(r->bytes);
  return true;
}

bool partition_raft_log::append_as_leader(std::span<uint8_t> batches, int32_t epoch, int64_t& base,
                                          int64_t& last) {
  auto r = log_.append(batches, epoch, now_ms_());
  if (!r) return check(std::move(r).error());
  base = r->base_offset;
  last = r->last_offset;
  return true;
}

bool partition_raft_log::append_leader_marker(int32_t epoch, consensus::node_id leader) {
  auto batch = protocol::build_leader_change_batch(epoch, leader, voters_, now_ms_());
  if (batch.empty()) {
    last_error_ = "could not build the leader-change batch";
    return false;
  }
  int64_t base = 0;
  int64_t last = 0;
  return append_as_leader(batch, epoch, base, last);
}

bool partition_raft_log::append_replicated(std::span<const uint8_t> batches) {
  auto r = log_.append_replicated(batches, now_ms_());
  if (!r) return check(std::move(r).error());
  return true;
}

bool partition_raft_log::truncate_to(int64_t offset) { return check(log_.truncate_to(offset)); }

bool partition_raft_log::reset_to(int64_t offset) {
  return check(log_.truncate_fully_and_start_at(offset));
}

bool partition_raft_log::flush() { return check(log_.flush()); }

} // namespace caudal::actors
