#pragma once
// A simulated member of a consumer group, speaking the classic group protocol
// through an in-process session like any Kafka client: FindCoordinator,
// JoinGroup (with the member id the coordinator requires), SyncGroup (the
// leader computes a range assignment), OffsetFetch to resume at the committed
// offsets, then Fetch polls, periodic OffsetCommit and Heartbeat. A rebalance
// error, an unknown member or a broken connection sends it back to join.
//
// Everything it learns goes to the history: acknowledged commits, where it
// resumed, what each poll returned (Jepsen's poll-skip, nonmonotonic-poll
// and inconsistent-offsets checks run on those). Its client process can also
// restart (restart()): it forgets its member id and positions, and the group
// must hand its partitions to someone who resumes at the committed offsets.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/checker.h"
#include "sim/client.h"
#include "sim/sim_loop.h"
#include "sim/sim_node.h"
#include "sim/trace.h"

namespace caudal::sim {

struct workload_config;

class group_consumer {
public:
  struct env {
    sim_loop& loop;
    sim_node& node;
    history& hist;
    trace_log& trace;
    const workload_config& cfg;
  };

  /// `id` is the member's consumer number in the history (distinct from the
  /// plain consumers').
  group_consumer(env e, int id);

  void start() { rejoin("start", true); }
  /// The node crashed: the connection is gone; the member rejoins.
  void on_disconnect();
  /// The client process restarts: member id and positions are forgotten.
  void restart();
  bool stable() const { return state_ == state::stable; }
  int32_t generation() const { return generation_; }
  /// Assigned partitions and the next offset to read from each.
  const std::map<int32_t, int64_t>& positions() const { return pos_; }
  std::string progress() const;

private:
  enum class state { joining, syncing, resuming, stable };

  std::string name() const { return "member" + std::to_string(id_ - first_member_id); }
  void log(const std::string& what) { env_.trace.add(env_.loop.now_ms(), name(), what); }
  int64_t backoff() { return env_.loop.uniform(10, 100); }
  bool connected();
  void rejoin(const std::string& why, bool forget_member_id);
  void find_coordinator(uint64_t inc);
  void join(uint64_t inc);
  void on_joined(uint64_t inc, const void* resp);
  void sync(uint64_t inc, std::vector<std::pair<std::string, protocol::byte_buffer>> assignments);
  void on_synced(uint64_t inc, const void* resp);
  void fetch_committed(uint64_t inc);
  void on_committed_fetched(uint64_t inc, const void* resp,
                            const std::map<int32_t, int64_t>& floor);
  void become_stable(uint64_t inc);
  void poll(uint64_t inc);
  void on_polled(uint64_t inc, const void* resp);
  void take(int32_t partition, int64_t offset, stored_record&& rec);
  void heartbeat(uint64_t inc);
  void commit(uint64_t inc);
  void on_group_error(uint64_t inc, int16_t error, const std::string& what);

public:
  static constexpr int first_member_id = 100;

private:
  env env_;
  int id_;
  std::shared_ptr<connection> conn_;
  state state_ = state::joining;
  uint64_t incarnation_ = 0; // bumped by every rejoin: stale callbacks and timers see it change
  std::string member_id_;
  int32_t generation_ = -1;
  std::map<int32_t, int64_t> pos_;
};

/// The range assignor: partitions split into contiguous runs over the sorted
/// member ids (Kafka's RangeAssignor for one topic). Exposed for tests.
std::map<std::string, std::vector<int32_t>> range_assign(std::vector<std::string> members,
                                                         int32_t partitions);
/// ConsumerProtocolAssignment v0 bytes for one topic, and back ("" or an error).
protocol::byte_buffer encode_assignment(const std::string& topic,
                                        const std::vector<int32_t>& partitions);
std::string decode_assignment(const protocol::byte_buffer& bytes, std::vector<int32_t>& out);
/// ConsumerProtocolSubscription v0 bytes for one topic.
protocol::byte_buffer encode_subscription(const std::string& topic);

} // namespace caudal::sim
