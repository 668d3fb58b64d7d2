#pragma once
// Shared by the single-node (node.cpp) and cluster (node_cluster.cpp) start
// paths: the actor system configuration, the session context, and serving
// Kafka clients until SIGINT/SIGTERM.

#include <csignal>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/node_context.h"
#include "cluster/boot.h"
#include "cluster/node_config.h"
#include "storage/file_io.h"
#include "storage/metastore.h"

namespace caudal::cluster {

struct caf_config : caf::actor_system_config {
  /// `with_io`: the CAF io-broker listener; `cluster`: the inter-node
  /// transport (middleman, announced peer types, peer liveness).
  caf_config(int threads, bool with_io, bool cluster);
};

actors::node_context make_context(const node_config& cfg, const boot_info& boot,
                                  std::shared_ptr<actors::metadata_cache> cache,
                                  caf::actor topic_manager);

/// Starts the group coordinator and the Kafka listener, blocks until a stop
/// signal, then stops the listener and sends an exit to every actor of
/// `stop_list`. Returns the process exit code.
int serve_clients(caf::actor_system& sys, const node_config& cfg, const boot_info& boot,
                  actors::node_context ctx, storage::metastore& meta,
                  const std::vector<caf::actor>& stop_list, const sigset_t& stop_signals);

/// Cluster mode (node_cluster.cpp).
int serve_cluster(const node_config& cfg, storage::filesystem& fs, storage::metastore& meta,
                  const sigset_t& stop_signals);

} // namespace caudal::cluster
