#include "cluster/node.h"

#include <csignal>
#include <filesystem>
#include <pthread.h>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include "actors/controller_messages.h"
#include "actors/group_coordinator.h"
#include "actors/producer_ids.h"
#include "actors/session.h"
#include "actors/topic_manager.h"
#include "cluster/boot.h"
#include "cluster/caf_listener.h"
#include "cluster/listener.h"
#include "cluster/node_config.h"
#include "cluster/node_internal.h"
#include "cluster/peer_types.h"
#include "cluster/transport.h"
#include "storage/metastore.h"

namespace caudal::cluster {
namespace {

/// Blocks SIGINT/SIGTERM in this thread and every thread started after it, so
/// that only the sigwait below receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

} // namespace

caf_config::caf_config(int threads, bool with_io, bool cluster) {
  // The middleman (and its multiplexer thread) only for listener.impl=caf
  // and for the inter-node transport of cluster mode.
  if (with_io || cluster) load<caf::io::middleman>();
  if (cluster) {
    announce_peer_types(*this);
    actors::announce_controller_types(*this);
    // A stopped (SIGSTOP) or hung peer is noticed within 2 s.
    configure_peer_liveness(*this, 200, 2000);
  }
  set("scheduler.max-threads", threads);
  set("logger.console-verbosity", caf::atom("quiet"));
  set("logger.file-verbosity", caf::atom("quiet"));
}

actors::node_context make_context(const node_config& cfg, const boot_info& boot,
                                  std::shared_ptr<actors::metadata_cache> cache,
                                  caf::actor topic_manager) {
  actors::node_context ctx;
  ctx.node_id = cfg.node_id;
  ctx.cluster_id = boot.cluster_id;
  ctx.advertised_host = cfg.advertised.host;
  ctx.advertised_port = cfg.advertised.port;
  ctx.auto_create_topics = cfg.auto_create_topics;
  ctx.fetch_max_bytes = cfg.fetch_max_bytes;
  ctx.metadata = std::move(cache);
  ctx.topic_manager = std::move(topic_manager);
  ctx.test_drop_produce_responses =
      std::make_shared<std::atomic<int32_t>>(cfg.test_drop_produce_responses);
  ctx.clock = boot.clock;
  return ctx;
}

namespace {

actors::topic_manager_args manager_args(const node_config& cfg, const boot_info& boot,
                                        storage::filesystem& fs, storage::metastore& meta,
                                        std::shared_ptr<actors::metadata_cache> cache) {
  actors::topic_manager_args a;
  a.log_dir = cfg.log_dir;
  a.fs = &fs;
  a.meta = &meta;
  a.cache = std::move(cache);
  a.clock = boot.clock;
  a.seed = boot.seed;
  a.num_partitions = cfg.num_partitions;
  a.default_replication_factor = cfg.default_replication_factor;
  a.retention_check_interval_ms = cfg.retention_check_interval_ms;
  a.producer_id_expiration_ms = cfg.producer_id_expiration_ms;
  a.broker_topic_defaults = cfg.topic_defaults;
  a.broker_configs = cfg.raw;
  return a;
}

void stop_all(const std::vector<caf::actor>& actors) {
  for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

/// Runs `listener` (kafka_listener or caf_listener) until SIGINT/SIGTERM.
template <class Listener>
int listen_until_signal(Listener& listener, const node_config& cfg, const std::string& cluster_id,
                        const std::vector<caf::actor>& stop_list, const sigset_t& stop_signals) {
  std::string error;
  if (!listener.start(error)) {
    spdlog::critical("{}", error);
    stop_all(stop_list);
    return 1;
  }
  spdlog::info("caudal node {} (cluster {}) listening on {}:{} ({} listener), data in {}",
               cfg.node_id, cluster_id, cfg.listener.host, listener.port(), cfg.listener_impl,
               cfg.log_dir);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {} received: stopping", sig);
  listener.stop();
  stop_all(stop_list);
  return 0;
}

} // namespace

int serve_clients(caf::actor_system& sys, const node_config& cfg, const boot_info& boot,
                  actors::node_context ctx, storage::metastore& meta,
                  const std::vector<caf::actor>& stop_list, const sigset_t& stop_signals) {
  actors::group_coordinator_args groups; // exits with the topic manager, which it monitors
  groups.meta = &meta;
  groups.cache = ctx.metadata;
  groups.topic_manager = ctx.topic_manager;
  groups.clock = boot.clock;
  groups.seed = boot.seed;
  if (std::string gerr; !actors::read_group_configs(cfg.raw, groups, gerr)) {
    spdlog::critical("invalid configuration: {}", gerr);
    stop_all(stop_list);
    return 2;
  }
  ctx.group_coordinator = actors::spawn_group_coordinator(sys, std::move(groups));
  listener_options lo;
  lo.bind = cfg.listener;
  lo.threads = cfg.network_threads;
  lo.max_frame_bytes = cfg.socket_request_max_bytes;
  lo.max_inflight_bytes_per_connection = cfg.queued_max_request_bytes;
  kafka_listener::session_factory factory = [&sys, ctx](actors::connection_sink sink) {
    return actors::spawn_session(sys, ctx, std::move(sink));
  };
  if (cfg.listener_impl == "caf") {
    caf_listener listener{sys, lo, std::move(factory)};
    return listen_until_signal(listener, cfg, boot.cluster_id, stop_list, stop_signals);
  }
  kafka_listener listener{lo, std::move(factory)};
  return listen_until_signal(listener, cfg, boot.cluster_id, stop_list, stop_signals);
}

namespace {

int serve(const node_config& cfg, storage::filesystem& fs, storage::metastore& meta,
          const sigset_t& stop_signals) {
  caf_config caf_cfg{std::max(2, static_cast<int>(std::thread::hardware_concurrency())),
                     cfg.listener_impl == "caf", false};
  caf::actor_system sys{caf_cfg};
  auto boot = boot_node(cfg, meta, sys.clock());
  if (!boot) return 1;
  auto cache = std::make_shared<actors::metadata_cache>();
  auto manager = actors::spawn_topic_manager(sys, manager_args(cfg, *boot, fs, meta, cache));
  auto ctx = make_context(cfg, *boot, cache, manager);
  ctx.producer_ids = actors::spawn_producer_id_manager(sys, &meta, manager); // exits with it
  return serve_clients(sys, cfg, *boot, std::move(ctx), meta, {manager}, stop_signals);
}

} // namespace

int run_node(const std::string& config_path) {
  auto stop_signals = block_stop_signals();
  spdlog::cfg::load_env_levels(); // SPDLOG_LEVEL=debug shows every request
  config_error err;
  auto cfg = load_node_config(config_path, err);
  if (!cfg) {
    spdlog::critical("invalid configuration: {}", err.message);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg->log_dir, ec);
  if (ec) {
    spdlog::critical("cannot create log.dirs '{}': {}", cfg->log_dir, ec.message());
    return 1;
  }
  storage::posix_filesystem fs;
  auto meta = storage::metastore::open(storage::join_path(cfg->log_dir, "__meta"));
  if (!meta) {
    spdlog::critical("cannot open metastore: {}", meta.error().message);
    return 1;
  }
  int rc = cfg->cluster ? serve_cluster(*cfg, fs, **meta, stop_signals)
                        : serve(*cfg, fs, **meta, stop_signals);
  spdlog::info("stopped");
  return rc;
}

} // namespace caudal::cluster
