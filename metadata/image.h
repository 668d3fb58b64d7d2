#pragma once
// The metadata image: what every node knows about the cluster after replaying
// the committed metadata log. A plain value (copy it to keep a snapshot,
// compare it in tests); `apply` is the only mutation and is deterministic, so
// every node that replays the same records holds an equal image.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metadata/records.h"

namespace caudal::metadata {

struct node_state {
  register_node registration;
  bool fenced = true; // a (re-)registered node is fenced until unfenced
  bool decommissioned = false;
  bool operator==(const node_state&) const = default;
};

struct partition_state {
  std::vector<node_id> replicas; // first = preferred leader
  node_id leader = no_leader;
  int32_t leader_epoch = 0;
  std::vector<node_id> isr;
  std::vector<node_id> adding;
  std::vector<node_id> removing;
  bool operator==(const partition_state&) const = default;
  bool reassigning() const { return !adding.empty() || !removing.empty(); }
  /// The replica set once the pending reassignment completes.
  std::vector<node_id> target_replicas() const;
};

struct topic_state {
  std::string name;
  uuid id{};
  bool internal = false;
  std::map<int32_t, partition_state> partitions;
  bool operator==(const topic_state&) const = default;
};

using config_map = std::map<std::string, std::string>;

/// Names one partition in query answers.
struct partition_ref {
  std::string topic;
  uuid topic_id{};
  int32_t partition = 0;
  bool operator==(const partition_ref&) const = default;
  auto operator<=>(const partition_ref&) const = default;
};

struct image {
  std::map<node_id, node_state> nodes;
  std::map<uuid, topic_state> topics;               // by topic id
  std::map<std::string, uuid> topic_ids;            // by topic name
  std::map<std::string, config_map> topic_configs;  // by topic name
  std::map<std::string, config_map> broker_configs; // by broker id text, "" = default
  /// Multi-step reassignments: the final replica list per (topic id, partition).
  std::map<std::pair<uuid, int32_t>, std::vector<node_id>> reassignment_goals;
  bool operator==(const image&) const = default;

  const topic_state* topic(const std::string& name) const;
  const topic_state* topic(const uuid& id) const;
  const partition_state* partition(const uuid& topic, int32_t partition) const;
  const node_state* node(node_id id) const;
  /// The final target of a multi-step reassignment; null when there is none.
  const std::vector<node_id>* reassignment_goal(const uuid& topic, int32_t partition) const;
  /// Registered, unfenced and not decommissioned: eligible for new replicas.
  bool is_live(node_id id) const;
  std::vector<node_id> live_nodes() const;

  // Queries, each answered in (topic name, partition) order.
  std::vector<partition_ref> partitions_led_by(node_id id) const;
  /// ISR smaller than the replica set.
  std::vector<partition_ref> under_replicated() const;
  /// No leader, or the leader is fenced or unknown.
  std::vector<partition_ref> offline() const;
  /// Partitions with a replica (including one being added) on the node.
  std::vector<partition_ref> replicas_on(node_id id) const;
};

/// Applies one committed record. Records that refer to an unknown node,
/// topic or partition change nothing (the log is the truth; a controller
/// never writes such records, and ignoring them keeps replay total).
/// Call it qualified (metadata::apply): `record` is a std::variant, so an
/// unqualified call also finds std::apply by argument-dependent lookup.
void apply(image& img, const record& r);
void apply(image& img, const std::vector<record>& records);

} // namespace caudal::metadata
