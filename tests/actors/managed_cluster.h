#pragma once
// A cluster_fixture whose nodes also run cluster topic managers (the actor
// sessions talk to), as the reassignment, topic-manager and elasticity tests
// need them.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actors/atoms.h"
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

  /// Sends `xs...` to node `id`'s topic manager and runs until the reply (of
  /// type R) arrives.
  template <class R, class... Ts>
  R ask(int32_t id, Ts... xs) {
    auto out = std::make_shared<std::optional<R>>();
    auto tm = tms.at(id);
    sys.spawn([=](caf::event_based_actor* a) {
      a->request(tm, caf::infinite, xs...).then([=](R& r) { *out = std::move(r); });
    });
    BOOST_REQUIRE(run_until([&] { return out->has_value(); }, 120000));
    return std::move(**out);
  }
};

} // namespace caudal::testing
