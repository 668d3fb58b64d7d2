#pragma once
// Four cluster nodes with cluster topic managers (as tests/actors/
// test_reassignment.cpp builds them) plus helpers that speak the elasticity
// admin messages a session sends: Alter/List reassignments, ElectLeaders,
// UnregisterBroker (actors/atoms.h).

#include <optional>
#include <string>
#include <vector>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/cluster_topic_manager.h"
#include "managed_cluster.h"

namespace caudal::testing {

namespace msg = protocol::msg;

struct elastic_fixture : managed_cluster {
  /// `configs` add to each node's config file keys; automatic leader
  /// balancing is off unless they turn it on.
  explicit elastic_fixture(std::map<std::string, std::string> configs = {});

  /// Creates topic `name` (ids[0]'s manager) and waits for a full ISR.
  void create_topic(const std::string& name, int32_t partitions, int16_t rf);
  /// The partition as node `id`'s image shows it; null if unknown.
  const metadata::partition_state* state(int32_t id, const std::string& topic, int32_t p);
  /// Every node's image shows `pred` of the partition.
  bool all_show(const std::string& topic, int32_t p,
                const std::function<bool(const metadata::partition_state&)>& pred);

  /// Sends `xs...` plus the node id (as a session does) to node `id`'s topic
  /// manager and runs until the reply (of type R) arrives.
  template <class R, class... Ts>
  R ask_as_node(int32_t id, Ts... xs) {
    return ask<R>(id, xs..., id);
  }

  msg::alter_partition_reassignments_response
  alter(int32_t via, const std::string& topic, int32_t p, std::optional<std::vector<int32_t>> to);
  msg::list_partition_reassignments_response list(int32_t via);
  msg::elect_leaders_response elect(int32_t via, int8_t type, const std::string& topic,
                                    std::vector<int32_t> parts, int32_t timeout_ms = 10000);
  msg::elect_leaders_response elect_all(int32_t via);
  msg::unregister_broker_response unregister(int32_t via, int32_t broker);
};

} // namespace caudal::testing
