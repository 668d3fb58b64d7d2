#include "sim/sim_node.h"

#include <caf/send.hpp>

#include "actors/group_coordinator.h"
#include "actors/producer_ids.h"
#include "actors/session.h"
#include "actors/topic_manager.h"

namespace caudal::sim {

sim_node::sim_node(caf::actor_system& sys, sim_node_args args)
    : sys_(sys), args_(std::move(args)) {}

sim_node::~sim_node() { kill(); }

std::string sim_node::start() {
  if (up_) return "";
  meta_.reset(); // LMDB allows one environment per directory and process
  auto m = storage::metastore::open(args_.meta_dir);
  if (!m) return "metastore open failed";
  meta_ = std::move(*m);
  auto cache = std::make_shared<actors::metadata_cache>();
  actors::node_clock clock{args_.epoch_offset_ms};
  // Like cluster/boot.cpp (which seeds from the wall clock at boot), every
  // boot gets a new seed: member ids and topic ids must not repeat a previous
  // incarnation's, which clients may still be using.
  uint64_t seed = args_.seed + 0x9e3779b97f4a7c15ULL * ++boots_;
  actors::topic_manager_args a;
  a.log_dir = "/node" + std::to_string(args_.id) + "/data";
  a.fs = args_.fs;
  a.meta = meta_.get();
  a.cache = cache;
  a.clock = clock;
  a.seed = seed;
  a.num_partitions = 1;
  a.retention_check_interval_ms = args_.retention_check_interval_ms;
  manager_ = actors::spawn_topic_manager(sys_, a);
  ctx_ = actors::node_context{};
  ctx_.node_id = args_.id;
  ctx_.cluster_id = "sim-cluster";
  ctx_.metadata = cache;
  ctx_.topic_manager = manager_;
  ctx_.clock = clock;
  ctx_.producer_ids = actors::spawn_producer_id_manager(sys_, meta_.get(), manager_);
  actors::group_coordinator_args g; // exits with the topic manager, which it monitors
  g.meta = meta_.get();
  g.cache = cache;
  g.topic_manager = manager_;
  g.clock = clock;
  g.settings = args_.groups;
  g.offsets_partitions = args_.offsets_partitions;
  g.seed = seed;
  ctx_.group_coordinator = actors::spawn_group_coordinator(sys_, std::move(g));
  for (auto* a : {&manager_, &ctx_.producer_ids, &ctx_.group_coordinator}) spawned(*a);
  up_ = true;
  return "";
}

void sim_node::kill() {
  if (!up_) return;
  for (auto& s : sessions_) caf::anon_send_exit(s, caf::exit_reason::kill);
  sessions_.clear();
  caf::anon_send_exit(manager_, caf::exit_reason::kill);
  manager_ = nullptr;
  up_ = false;
}

caf::actor sim_node::connect(actors::connection_sink sink) {
  if (!up_) return caf::actor{};
  auto s = actors::spawn_session(sys_, ctx_, std::move(sink));
  sessions_.push_back(s);
  spawned(s);
  return s;
}

void sim_node::spawned(const caf::actor& a) {
  if (args_.on_spawn && a) args_.on_spawn(a.id());
}

} // namespace caudal::sim
