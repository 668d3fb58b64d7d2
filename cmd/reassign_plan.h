#pragma once
// Pure parts of `caudal cluster rebalance|reassign|reassignments|elect-leaders` and
// `caudal node decommission`: the cluster as Metadata and ListPartitionReassignments show
// it, the rebalance plan (metadata::rebalance per topic, one replica change per partition
// and step, plus preferred leaders spread over the nodes), request building and tables.
// No I/O: tests/cli/reassign_plan_test.cpp covers all of it.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "metadata/image.h"
#include "protocol/messages/alter_partition_reassignments_request.h"
#include "protocol/messages/alter_partition_reassignments_response.h"
#include "protocol/messages/elect_leaders_request.h"
#include "protocol/messages/elect_leaders_response.h"
#include "protocol/messages/list_partition_reassignments_request.h"
#include "protocol/messages/list_partition_reassignments_response.h"
#include "protocol/messages/metadata_response.h"

namespace caudal::cmd {

struct view_broker {
  int32_t id = 0;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
};

struct view_partition {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas; ///< during a reassignment: target + leaving replicas
  std::vector<int32_t> isr;
  int16_t error = 0;
};

struct view_topic {
  std::string name;
  int16_t error = 0;
  bool internal = false;
  std::vector<view_partition> partitions; ///< by partition id
};

/// A reassignment in progress (ListPartitionReassignments).
struct pending_move {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;
};

/// The cluster as the client sees it. Metadata lists only live nodes (registered,
/// unfenced, not decommissioned); those are the placement targets.
struct cluster_view {
  std::vector<view_broker> brokers; ///< by id
  std::vector<view_topic> topics;   ///< by name
  int32_t controller_id = -1;
  std::vector<pending_move> pending;

  const view_topic* topic(const std::string& name) const;
  std::vector<int32_t> broker_ids() const;
};

cluster_view view_from_metadata(const protocol::msg::metadata_response& resp);
std::vector<pending_move>
pending_from_list(const protocol::msg::list_partition_reassignments_response& resp);

/// The metadata image of the nodes and the topics named (all when `topics` is empty), with
/// the pending reassignments as adding/removing: what metadata::rebalance plans on.
metadata::image image_from_view(const cluster_view& view, const std::set<std::string>& topics);

struct topic_partition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const topic_partition&) const = default;
};

/// One AlterPartitionReassignments item: `from` the replicas now (their target, if a
/// reassignment is pending), `to` the new target, preferred leader first.
struct partition_move {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> from;
  std::vector<int32_t> to;
  bool operator==(const partition_move&) const = default;
};

struct rebalance_outcome {
  std::string error; ///< empty on success
  std::vector<partition_move> moves;
  /// Partitions left out because a reassignment is pending on them.
  std::vector<topic_partition> pending;
  /// Partitions whose full move needs more than one replica change: `moves` holds the first
  /// change, a later round (after it completes) the next.
  int32_t need_more_steps = 0;
};

/// The next round of a rebalance over the live nodes, topic by topic (every topic's
/// replicas spread evenly, ±1, over the nodes; replicas on nodes Metadata does not list are
/// moved off). Each partition changes at most one replica per round, as the controller
/// requires. Preferred leaders (first replicas) are then spread per topic by reordering.
rebalance_outcome plan_rebalance(const cluster_view& view, const std::set<std::string>& topics);

/// Reorders replica lists (first = preferred leader) so the number of partitions each live
/// node would lead differs by at most one where the sets allow; sets listed in `fixed` keep
/// their order. Deterministic: the fewest swaps, fullest node and lowest index first.
void spread_preferred_leaders(std::vector<std::vector<int32_t>>& sets,
                              const std::vector<int32_t>& live, const std::vector<bool>& fixed);

/// Replicas each node holds and partitions it leads, from Metadata.
struct node_load {
  int32_t replicas = 0;
  int32_t leaders = 0;
};
node_load load_of(const cluster_view& view, int32_t node);

/// "1,2,4" -> {1,2,4}; nullopt on anything else (empty, junk, negative ids).
std::optional<std::vector<int32_t>> parse_replica_list(const std::string& text);

// ---- requests ------------------------------------------------------------------------

/// Groups moves by topic; a move with empty `to` cancels that partition's reassignment.
protocol::msg::alter_partition_reassignments_request
alter_request(const std::vector<partition_move>& moves, int32_t timeout_ms);

/// A null topic list (every reassignment) when `topics` is empty.
protocol::msg::list_partition_reassignments_request
list_request(const std::vector<std::string>& topics, const cluster_view* view, int32_t timeout_ms);

/// PREFERRED elections for `partitions`, or for every partition when it is empty (null).
protocol::msg::elect_leaders_request elect_request(const std::vector<topic_partition>& partitions,
                                                   int32_t timeout_ms);

// ---- results and tables ------------------------------------------------------------------

/// One per-partition answer: error 0 = accepted/elected.
struct partition_result {
  topic_partition tp;
  int16_t error = 0;
  std::string message;
};

/// Per-partition results; a top-level error is stored in `top_error` (0 if none).
std::vector<partition_result>
alter_results(const protocol::msg::alter_partition_reassignments_response& resp, int16_t& top_error,
              std::string& top_message);
std::vector<partition_result> elect_results(const protocol::msg::elect_leaders_response& resp,
                                            int16_t& top_error);

/// ELECTION_NOT_NEEDED (the preferred replica already leads) is a success for us.
bool election_ok(int16_t error);

using table = std::vector<std::vector<std::string>>;
table plan_table(const std::vector<partition_move>& moves);
table pending_table(const std::vector<pending_move>& pending);
/// RESULT column: "ok", "already preferred" or "NAME: message".
table result_table(const std::vector<partition_result>& results, bool election);

} // namespace caudal::cmd
