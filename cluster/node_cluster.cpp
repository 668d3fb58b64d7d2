// Cluster mode: the inter-node transport, the controller (Raft group 0 over
// controller.quorum.voters), the cluster topic manager with its replicated
// partitions, then the same client-facing actors as a single node.

#include <thread>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/cluster_topic_manager.h"
#include "actors/controller_actor.h"
#include "actors/producer_ids.h"
#include "cluster/node_internal.h"
#include "cluster/peer_directory.h"
#include "cluster/peer_router.h"
#include "cluster/transport.h"

namespace caudal::cluster {
namespace {

/// Every node of one cluster must report the same id; without cluster.id in
/// the config it is derived from the voter list, which all nodes share.
std::string cluster_id_for(const node_config& cfg) {
  if (!cfg.cluster_id.empty()) return cfg.cluster_id;
  uint64_t h = 1469598103934665603ull; // FNV-1a
  for (auto& v : cfg.cluster->voters)
    for (char c : std::to_string(v.id) + "@" + v.host + ":" + std::to_string(v.port))
      h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return make_cluster_id(h);
}

struct peer_layer {
  caf::actor router, transport;
};

std::optional<peer_layer> start_peers(caf::actor_system& sys, const node_config& cfg,
                                      uint64_t seed) {
  auto& cs = *cfg.cluster;
  peer_layer p;
  p.router = spawn_peer_router(sys);
  auto port = publish_router(sys, p.router, cs.inter_node.host, cs.inter_node.port);
  if (!port) {
    spdlog::critical("cannot listen for nodes on {}:{}", cs.inter_node.host, cs.inter_node.port);
    caf::anon_send_exit(p.router, caf::exit_reason::user_shutdown);
    return std::nullopt;
  }
  transport_config tc;
  tc.self_node = cfg.node_id;
  tc.router = p.router;
  for (auto& v : cs.voters)
    if (v.id != cfg.node_id) tc.peers[v.id] = peer_address{v.host, v.port};
  tc.seed = seed ^ 0x7472616e73706f72ull;
  p.transport = spawn_transport(sys, tc);
  spdlog::info("node {}: inter-node listener on {}:{}", cfg.node_id, cs.inter_node.host, *port);
  return p;
}

actors::controller_args controller_args_for(const node_config& cfg, const boot_info& boot,
                                            storage::filesystem& fs, storage::metastore& meta,
                                            const peer_layer& peers) {
  auto& cs = *cfg.cluster;
  actors::controller_args a;
  a.node_id = cfg.node_id;
  for (auto& v : cs.voters) a.voters.push_back(v.id);
  a.log_dir = cfg.log_dir;
  a.fs = &fs;
  a.meta = &meta;
  a.transport = peers.transport;
  a.router = peers.router;
  a.clock = boot.clock;
  a.seed = boot.seed;
  a.election_timeout_ms = cs.controller_election_timeout_ms;
  a.fetch_wait_ms = cs.fetch_wait_ms;
  a.flush_before_ack = cs.flush_before_ack;
  a.snapshot_interval_bytes = cs.metadata_snapshot_bytes;
  a.registration.host = cfg.advertised.host;
  a.registration.port = cfg.advertised.port;
  a.registration.peer_host = cs.inter_node.host;
  a.registration.peer_port = cs.inter_node.port;
  a.registration.rack = cs.rack;
  return a;
}

actors::cluster_topic_manager_args manager_args_for(const node_config& cfg, const boot_info& boot,
                                                    storage::filesystem& fs,
                                                    storage::metastore& meta,
                                                    const peer_layer& peers, caf::actor controller,
                                                    std::shared_ptr<actors::metadata_cache> cache) {
  actors::cluster_topic_manager_args a;
  a.node_id = cfg.node_id;
  a.log_dir = cfg.log_dir;
  a.fs = &fs;
  a.meta = &meta;
  a.cache = std::move(cache);
  a.clock = boot.clock;
  a.controller = std::move(controller);
  a.transport = peers.transport;
  a.router = peers.router;
  a.seed = boot.seed;
  a.num_partitions = cfg.num_partitions;
  a.default_replication_factor = cfg.default_replication_factor;
  a.retention_check_interval_ms = cfg.retention_check_interval_ms;
  a.producer_id_expiration_ms = cfg.producer_id_expiration_ms;
  a.election_timeout_ms = cfg.cluster->election_timeout_ms;
  a.fetch_wait_ms = cfg.cluster->fetch_wait_ms;
  a.broker_topic_defaults = cfg.topic_defaults;
  a.broker_configs = cfg.raw;
  return a;
}

} // namespace

int serve_cluster(const node_config& config, storage::filesystem& fs, storage::metastore& meta,
                  const sigset_t& stop_signals) {
  auto cfg = config;
  cfg.cluster_id = cluster_id_for(cfg);
  caf_config caf_cfg{std::max(2, static_cast<int>(std::thread::hardware_concurrency())),
                     cfg.listener_impl == "caf", true};
  caf::actor_system sys{caf_cfg};
  auto boot = boot_node(cfg, meta, sys.clock());
  if (!boot) return 1;
  auto peers = start_peers(sys, cfg, boot->seed);
  if (!peers) return 1;
  std::vector<caf::actor> stop_list{peers->transport, peers->router};
  std::string error;
  auto controller =
      actors::spawn_controller(sys, controller_args_for(cfg, *boot, fs, meta, *peers), error);
  if (!controller) {
    spdlog::critical("cannot start the controller: {}", error);
    for (auto& a : stop_list) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    return 1;
  }
  stop_list.push_back(controller);
  spawn_peer_directory(sys, cfg.node_id, controller, peers->transport); // exits with it
  auto cache = std::make_shared<actors::metadata_cache>();
  auto manager = actors::spawn_cluster_topic_manager(
      sys, manager_args_for(cfg, *boot, fs, meta, *peers, controller, cache));
  stop_list.insert(stop_list.begin(), manager);
  auto ctx = make_context(cfg, *boot, cache, manager);
  ctx.producer_ids =
      actors::spawn_producer_id_manager(sys, &meta, manager, actors::producer_id_base(cfg.node_id));
  return serve_clients(sys, cfg, *boot, std::move(ctx), meta, stop_list, stop_signals);
}

} // namespace caudal::cluster
