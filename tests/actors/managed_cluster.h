#pragma once
// A cluster_fixture whose nodes also run cluster topic managers (the actor
// sessions talk to), as the reassignment, topic-manager and elasticity tests
// need them.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "actors/cluster_topic_manager.h"
#include "cluster_fixture.h"

namespace caudal::testing {

struct manager_options {
  uint64_t seed_base = 0; // node n's manager is seeded seed_base + n
  int32_t num_partitions = 1;
  std::map<std::string, std::string> broker_configs; // besides node.id
};

struct managed_cluster : cluster_fixture {
  std::map<int32_t, std::shared_ptr<actors::metadata_cache>> caches;
  std::map<int32_t, caf::actor> tms;

  managed_cluster(int nodes, manager_options o);
  ~managed_cluster();

  std::string log_dir(int32_t id) const { return dir + "/node-" + std::to_string(id); }
};

} // namespace caudal::testing
