#include "managed_cluster.h"

namespace caudal::testing {

using namespace caudal::actors;

managed_cluster::managed_cluster(int nodes, manager_options o) : cluster_fixture(nodes) {
  for (auto id : ids) {
    cluster_topic_manager_args a;
    a.node_id = id;
    a.log_dir = log_dir(id);
    a.fs = &fs;
    a.meta = metas[id].get();
    a.cache = caches[id] = std::make_shared<metadata_cache>();
    a.controller = controllers[id];
    a.transport = net.transport_for(id);
    a.router = routers[id];
    a.seed = o.seed_base + static_cast<uint64_t>(id);
    a.num_partitions = o.num_partitions;
    a.default_replication_factor = 3;
    a.election_timeout_ms = 1000;
    a.fetch_wait_ms = 200;
    a.request_timeout_ms = 10000;
    a.broker_configs = o.broker_configs;
    a.broker_configs["node.id"] = std::to_string(id);
    tms[id] = spawn_cluster_topic_manager(sys, a);
  }
  sched.run();
}

managed_cluster::~managed_cluster() {
  for (auto& [id, a] : tms) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sched.run();
}

} // namespace caudal::testing
