#include "sim/cluster/cluster_world.h"

#include <caf/send.hpp>

namespace caudal::sim::cluster {

cluster_world::cluster_world(const cluster_sim_config& c, const std::string& lmdb_dir)
    : cfg(c), dir(lmdb_dir), trace(c.trace) {
  net = std::make_unique<sim_network>(sys, cfg.seed ^ 0x6e6574776f726bULL);
  base_link.latency_min_ms = 1;
  base_link.latency_max_ms = 5;
  net->set_default_link(base_link);
  loop.hold([this](int32_t node) { return paused.count(node) > 0; });
  replication_factor =
      static_cast<int16_t>(cfg.clients.replication_factor > 0 ? cfg.clients.replication_factor
                                                              : cfg.nodes - cfg.late_nodes);
  std::vector<int32_t> voters;
  for (int32_t id = 1; id <= cfg.nodes - cfg.late_nodes; ++id) voters.push_back(id);
  for (int32_t id = 1; id <= cfg.nodes; ++id) {
    if (id > cfg.nodes - cfg.late_nodes) unjoined.insert(id);
    auto h = std::make_unique<cluster_host>();
    h->id = id;
    h->name = "n" + std::to_string(id);
    cluster_node_args a;
    a.id = id;
    a.voters = voters;
    a.meta_dir = dir + "/meta-" + std::to_string(id);
    a.fs = cfg.bug_lying_fsync ? static_cast<storage::filesystem*>(&h->lying)
                               : static_cast<storage::filesystem*>(&h->disk);
    a.net = net.get();
    a.seed = cfg.seed * 0x100000001b3ULL;
    a.election_timeout_ms = cfg.election_timeout_ms;
    a.fetch_wait_ms = cfg.election_timeout_ms / 5;
    a.metadata_snapshot_bytes = cfg.metadata_snapshot_bytes;
    a.on_spawn = [this, id](caf::actor_id actor) { loop.tag(actor, id); };
    h->node = std::make_unique<cluster_node>(sys, std::move(a));
    hosts.push_back(std::move(h));
  }
}

// Teardown: clients first (their connections' handlers refer to them), then
// every node's actors, whose last jobs run before the disks go away.
cluster_world::~cluster_world() {
  for (auto& a : askers) caf::anon_send_exit(a, caf::exit_reason::kill);
  for (auto& h : hosts) h->node->kill();
  loop.drain();
  clients.reset();
  for (auto& h : hosts) h->node.reset();
  loop.drain();
  net.reset();
  loop.drain();
}

std::vector<int32_t> cluster_world::ids() const {
  std::vector<int32_t> out;
  for (auto& h : hosts) out.push_back(h->id);
  return out;
}

std::vector<int32_t> cluster_world::joined_ids() const {
  std::vector<int32_t> out;
  for (auto& h : hosts)
    if (joined(h->id)) out.push_back(h->id);
  return out;
}

void cluster_world::boot(cluster_host& h) {
  if (h.node->up()) return;
  auto err = h.node->start();
  if (!err.empty()) {
    hist.violation(h.name + " failed to boot: " + err);
    return log(h.name, "boot failed: " + err);
  }
  net->set_node_up(h.id, true);
  if (h.node->boots() > 1) ++result.restarts;
  log(h.name, "start (boot " + std::to_string(h.node->boots()) + ")");
}

void cluster_world::crash(cluster_host& h, bool keep_disk) {
  if (!h.node->up()) return;
  if (keep_disk) {
    log(h.name, "process killed (disk kept)");
  } else {
    auto mode = static_cast<storage::crash_mode>(cfg.bug_lying_fsync ? 0 : loop.uniform(0, 2));
    auto tear_seed = loop.rng()();
    log(h.name, "power loss mode=" + std::to_string(static_cast<int>(mode)));
    h.disk.crash(mode, tear_seed);
  }
  net->set_node_up(h.id, false);
  h.node->kill();
  if (clients) clients->node_crashed(h.id);
}

} // namespace caudal::sim::cluster
