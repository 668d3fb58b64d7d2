#include "sim/cluster/cluster_node.h"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.h"

#include "actors/cluster_topic_manager.h"
#include "actors/controller_actor.h"
#include "actors/group_coordinator.h"
#include "actors/producer_ids.h"
#include "actors/session.h"
#include "cluster/peer_router.h"

namespace caudal::sim::cluster {

cluster_node::cluster_node(caf::actor_system& sys, cluster_node_args args)
    : sys_(sys), args_(std::move(args)) {}

cluster_node::~cluster_node() { kill(); }

std::string cluster_node::start() {
  if (up_) return "";
  meta_.reset(); // LMDB allows one environment per directory and process
  auto m = storage::metastore::open(args_.meta_dir);
  if (!m) return "metastore open failed";
  meta_ = std::move(*m);
  actors::node_clock clock{args_.epoch_offset_ms};
  // A new seed per boot, as cluster/boot.cpp seeds from the wall clock:
  // election timers, incarnations and member ids must not repeat the
  // previous incarnation's.
  uint64_t seed = args_.seed + 0x9e3779b97f4a7c15ULL * ++boots_ + static_cast<uint64_t>(args_.id);
  auto router = caudal::cluster::spawn_peer_router(sys_);
  spawned(router);
  actors_ = {router};
  args_.net->set_router(args_.id, router);
  std::string error;
  auto controller = start_controller(seed, clock, error);
  if (!controller) {
    kill();
    return "controller: " + error;
  }
  controller_ = controller;
  watch_image();
  start_manager(seed, clock, controller);
  up_ = true;
  return "";
}

caf::actor cluster_node::start_controller(uint64_t seed, const actors::node_clock& clock,
                                          std::string& error) {
  actors::controller_args a;
  a.node_id = args_.id;
  a.voters = args_.voters;
  a.log_dir = log_dir();
  a.fs = args_.fs;
  a.meta = meta_.get();
  a.transport = args_.net->transport_for(args_.id);
  a.router = actors_.front();
  a.clock = clock;
  a.seed = seed;
  a.election_timeout_ms = args_.election_timeout_ms;
  a.fetch_wait_ms = args_.fetch_wait_ms;
  a.request_timeout_ms = 10000;
  a.snapshot_interval_bytes = args_.metadata_snapshot_bytes;
  a.registration = {"sim-node-" + std::to_string(args_.id), 9092,
                    "sim-node-" + std::to_string(args_.id), 9093, std::nullopt};
  auto c = actors::spawn_controller(sys_, a, error);
  if (c) {
    spawned(c);
    actors_.push_back(c);
  }
  return c;
}

void cluster_node::start_manager(uint64_t seed, const actors::node_clock& clock,
                                 caf::actor controller) {
  auto cache = std::make_shared<actors::metadata_cache>();
  actors::cluster_topic_manager_args a;
  a.node_id = args_.id;
  a.log_dir = log_dir();
  a.fs = args_.fs;
  a.meta = meta_.get();
  a.cache = cache;
  a.clock = clock;
  a.controller = controller;
  a.transport = args_.net->transport_for(args_.id);
  a.router = actors_.front();
  a.seed = seed;
  a.default_replication_factor = static_cast<int16_t>(args_.voters.size());
  a.election_timeout_ms = args_.election_timeout_ms;
  a.fetch_wait_ms = args_.fetch_wait_ms;
  auto manager = actors::spawn_cluster_topic_manager(sys_, a);
  spawned(manager);
  actors_.push_back(manager);
  ctx_ = actors::node_context{};
  ctx_.node_id = args_.id;
  ctx_.cluster_id = "sim-cluster";
  ctx_.advertised_host = "sim-node-" + std::to_string(args_.id);
  ctx_.metadata = cache;
  ctx_.topic_manager = manager;
  ctx_.clock = clock;
  // Exits with the manager; per-node id ranges keep producer ids unique.
  ctx_.producer_ids = actors::spawn_producer_id_manager(sys_, meta_.get(), manager,
                                                        actors::producer_id_base(args_.id));
  actors::group_coordinator_args g; // exits with the topic manager, which it monitors
  g.meta = meta_.get();
  g.cache = cache;
  g.topic_manager = manager;
  g.clock = clock;
  g.offsets_partitions = 3;
  g.offsets_topic_replication = static_cast<int16_t>(args_.voters.size());
  g.seed = seed;
  ctx_.group_coordinator = actors::spawn_group_coordinator(sys_, std::move(g));
  for (auto* x : {&ctx_.producer_ids, &ctx_.group_coordinator}) {
    spawned(*x);
    actors_.push_back(*x);
  }
}

void cluster_node::kill() {
  for (auto& s : sessions_) caf::anon_send_exit(s, caf::exit_reason::kill);
  sessions_.clear();
  for (auto& a : actors_) caf::anon_send_exit(a, caf::exit_reason::kill);
  actors_.clear();
  controller_ = caf::actor{};
  image_.reset();
  controller_leader_ = -1;
  up_ = false;
}

caf::actor cluster_node::connect(actors::connection_sink sink) {
  if (!up_) return caf::actor{};
  auto s = actors::spawn_session(sys_, ctx_, std::move(sink));
  sessions_.push_back(s);
  spawned(s);
  return s;
}

// A watcher of the node (killed and held with it) keeps the controller's
// latest image for the simulator: the reassignment faults pick moves from it
// and the final checks read the replica lists from it.
void cluster_node::watch_image() {
  auto watcher = sys_.spawn([this](caf::event_based_actor*) -> caf::behavior {
    return {[this](actors::image_atom, const actors::image_ptr& img, int32_t leader) {
      image_ = img;
      controller_leader_ = leader;
    }};
  });
  spawned(watcher);
  actors_.push_back(watcher);
  caf::anon_send(controller_, actors::subscribe_atom::value, watcher);
}

void cluster_node::spawned(const caf::actor& a) {
  if (args_.on_spawn && a) args_.on_spawn(a.id());
}

} // namespace caudal::sim::cluster
