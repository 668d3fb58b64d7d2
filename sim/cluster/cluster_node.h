#pragma once
// A simulated cluster-mode node: the actors `caudal node` starts in cluster
// mode (cluster/node_cluster.cpp) — peer router, controller, cluster topic
// manager with replicated partitions, producer-id manager, group coordinator
// — on one shared deterministic actor system. Its transport is the
// sim_network's transport for its id (the simulated network addresses nodes
// by id, so no peer directory). Data lives on a storage::filesystem (a
// mem_filesystem in the simulator: crashes lose or tear unsynced writes);
// votes and producer-id ranges in a real LMDB directory (LMDB commits are
// synced, so they survive a crash). Kafka clients connect through in-process
// session actors. kill() is the crash (every actor of the node at once);
// start() rebuilds the node from what its disks kept.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/connection_sink.h"
#include "actors/controller_messages.h"
#include "actors/node_context.h"
#include "sim/network/sim_network.h"
#include "storage/file_io.h"
#include "storage/metastore.h"

namespace caudal::sim::cluster {

struct cluster_node_args {
  int32_t id = 1;
  std::vector<int32_t> voters;       // controller.quorum.voters ids
  std::string meta_dir;              // the node's LMDB directory (real filesystem)
  storage::filesystem* fs = nullptr; // the node's data disk; outlives the node
  sim_network* net = nullptr;        // outlives the node
  uint64_t seed = 0;                 // per run; every boot derives its own
  int64_t epoch_offset_ms = 1700000000000;
  int64_t election_timeout_ms = 1000;          // partitions and controller
  int64_t fetch_wait_ms = 200;                 // long poll of caught-up followers
  int64_t metadata_snapshot_bytes = 512;       // controller snapshot interval
  std::function<void(caf::actor_id)> on_spawn; // tags the node's actors (pauses)
};

class cluster_node {
public:
  cluster_node(caf::actor_system& sys, cluster_node_args args);
  ~cluster_node();
  cluster_node(const cluster_node&) = delete;
  cluster_node& operator=(const cluster_node&) = delete;

  /// Boots the node; "" or an error text (the node stays down then).
  std::string start();
  /// Crash: every actor of the node is killed. The metastore stays open
  /// until the next start(), after the killed actors ran their last job.
  void kill();
  bool up() const { return up_; }
  int32_t id() const { return args_.id; }
  uint64_t boots() const { return boots_; }
  /// A new client session, or an invalid handle while the node is down.
  caf::actor connect(actors::connection_sink sink);
  /// The controller actor (invalid while the node is down): the simulator's
  /// reassignment faults send it (command_atom, controller_command).
  caf::actor controller() const { return controller_; }
  /// The metadata image this node's controller last published and the
  /// controller leader it named (nullptr / -1 before the first, or while down).
  const actors::image_ptr& image() const { return image_; }
  int32_t controller_leader() const { return controller_leader_; }
  /// The data directory of the node on its filesystem.
  std::string log_dir() const { return "/node" + std::to_string(args_.id) + "/data"; }

private:
  caf::actor start_controller(uint64_t seed, const actors::node_clock& clock, std::string& error);
  void start_manager(uint64_t seed, const actors::node_clock& clock, caf::actor controller);
  void spawned(const caf::actor& a);
  void watch_image();

  caf::actor_system& sys_;
  cluster_node_args args_;
  std::unique_ptr<storage::metastore> meta_;
  std::vector<caf::actor> actors_; // killed at a crash (partitions die with the manager)
  std::vector<caf::actor> sessions_;
  caf::actor controller_;
  actors::image_ptr image_;
  int32_t controller_leader_ = -1;
  actors::node_context ctx_;
  bool up_ = false;
  uint64_t boots_ = 0;
};

} // namespace caudal::sim::cluster
