#pragma once
// A simulated node: the production topic manager and partition actors over a
// simulated disk (any storage::filesystem, normally a mem_filesystem), its own
// LMDB metastore directory and a node_clock with a fixed epoch offset, so
// every Kafka timestamp replays with the seed. Clients connect through
// in-process session actors. kill() is the crash: every actor of the node is
// killed at once (the caller crashes the disk); start() rebuilds the node
// from what the disk and the metastore kept. Designed to be one of N.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/connection_sink.h"
#include "actors/group_state.h"
#include "actors/node_context.h"
#include "storage/file_io.h"
#include "storage/metastore.h"

namespace caudal::sim {

struct sim_node_args {
  int32_t id = 1;
  std::string meta_dir;                    // the node's LMDB directory (real filesystem)
  storage::filesystem* fs = nullptr;       // the node's disk; outlives the node
  uint64_t seed = 0;                       // topic ids
  int64_t epoch_offset_ms = 1700000000000; // fixed Unix-epoch offset of the actor clock
  int64_t retention_check_interval_ms = 300000;
  actors::group_settings groups;  // consumer-group timeouts
  int32_t offsets_partitions = 3; // __consumer_offsets partitions (Kafka: 50)
  /// Told the id of every actor the node spawns itself (the simulator tags
  /// them with the node; what they spawn inherits the tag).
  std::function<void(caf::actor_id)> on_spawn;
};

class sim_node {
public:
  sim_node(caf::actor_system& sys, sim_node_args args);
  ~sim_node();
  sim_node(const sim_node&) = delete;
  sim_node& operator=(const sim_node&) = delete;

  /// Boots the node (reopening the metastore); an error text or "".
  std::string start();
  /// Crash: kills the topic manager (its partitions are linked to it) and
  /// every session. The metastore stays open until the next start(), after
  /// the killed actors have run their last job.
  void kill();
  bool up() const { return up_; }
  int32_t id() const { return args_.id; }
  /// A new client session, or an invalid handle while the node is down.
  caf::actor connect(actors::connection_sink sink);
  /// The node's wall clock for its next start(): a clock jump or a skewed
  /// host. Kafka timestamps and retention follow it; offsets must not care.
  void set_epoch_offset(int64_t ms) { args_.epoch_offset_ms = ms; }
  int64_t epoch_offset() const { return args_.epoch_offset_ms; }

private:
  void spawned(const caf::actor& a);

  caf::actor_system& sys_;
  sim_node_args args_;
  std::unique_ptr<storage::metastore> meta_;
  caf::actor manager_;
  std::vector<caf::actor> sessions_;
  actors::node_context ctx_;
  bool up_ = false;
  uint64_t boots_ = 0;
};

} // namespace caudal::sim
