#pragma once
// The controller's commands: pure functions from (image, request[, rng]) to
// the records to append plus one result per request item, with Kafka's
// validation and error codes. Nothing is applied here: the controller
// appends the records to the metadata log and every node applies them once
// committed. A command's records are valid against the image it was given
// (the controller must run commands one after another on the latest image,
// including records appended but not yet committed).
//
// Data partitions are Raft groups: their leaders are elected by Raft, not by
// the controller. The controller records what leaders report (a new leader
// epoch, an ISR) and, when it fences a node, drops it from ISRs and marks
// partitions it led leaderless until their new Raft leader reports.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metadata/image.h"
#include "metadata/placement.h"

namespace caudal::metadata {

/// The outcome of one request item (a topic, a resource, a partition, a node).
struct item_result {
  std::string name;
  int16_t error = 0; // errc::*
  std::string message;
  uuid topic_id{}; // set by create_topics and delete_topics
  bool operator==(const item_result&) const = default;
};

struct command_result {
  std::vector<record> records;
  std::vector<item_result> items;
};

/// Checks one config entry; returns an error message for INVALID_CONFIG.
/// `value` nullopt means the key is being deleted.
using config_validator = std::function<std::optional<std::string>(
    int8_t resource_type, const std::string& resource_name, const std::string& key,
    const std::optional<std::string>& value)>;

// ---- topics -------------------------------------------------------------------

struct new_topic {
  std::string name;
  int32_t partitions = -1;         // -1: request default
  int16_t replication_factor = -1; // -1: request default
  /// Explicit replica lists, one per partition (then both counts must be -1).
  std::vector<std::vector<node_id>> assignments;
  std::map<std::string, std::string> configs;
  bool internal = false;
};
struct create_topics_request {
  std::vector<new_topic> topics;
  bool validate_only = false;
  int32_t default_partitions = 1;
  int16_t default_replication_factor = 1;
};
command_result create_topics(const image& img, const create_topics_request& req,
                             const config_validator& validate, rng& gen);

/// Topics by name and by id (results: names first, then ids).
struct delete_topics_request {
  std::vector<std::string> names;
  std::vector<uuid> ids;
};
command_result delete_topics(const image& img, const delete_topics_request& req);

struct partition_growth {
  std::string topic;
  int32_t count = 0; // the new total
  /// Replica lists of the new partitions only; empty = placed automatically.
  std::vector<std::vector<node_id>> assignments;
};
command_result create_partitions(const image& img, const std::vector<partition_growth>& req,
                                 bool validate_only, rng& gen);

/// Incremental config changes of one resource (value nullopt deletes),
/// applied all or nothing.
struct config_resource {
  int8_t type = topic_resource;
  std::string name; // broker: "" (cluster default) or the node id in decimal
  std::vector<std::pair<std::string, std::optional<std::string>>> changes;
};
command_result alter_configs(const image& img, const std::vector<config_resource>& req,
                             const config_validator& validate, bool validate_only = false);

// ---- nodes --------------------------------------------------------------------

/// A (re-)registration: a new incarnation replaces the old one and leaves the
/// node fenced; the same registration again is an idempotent success.
command_result register_node_cmd(const image& img, const register_node& reg);
/// Fencing drops the node from every ISR it is in (unless it is the last
/// member) and makes the partitions it led leaderless.
command_result fence_node_cmd(const image& img, node_id id);
/// Unfencing needs the node's current incarnation (a stale heartbeat from a
/// previous process must not unfence the new one).
command_result unfence_node_cmd(const image& img, node_id id, uint64_t incarnation);
/// Marks the node decommissioned and starts reassignments moving every
/// replica it holds to the other nodes (live ones preferred).
command_result decommission_node_cmd(const image& img, node_id id);

// ---- partitions ---------------------------------------------------------------

/// What a partition leader tells the controller: it leads `partition` at
/// `leader_epoch` with this ISR (itself included).
struct partition_report {
  node_id reporter = 0;
  uint64_t incarnation = 0;
  uuid topic{};
  int32_t partition = 0;
  int32_t leader_epoch = 0;
  std::vector<node_id> isr;
};
/// Accepts reports that are not stale; completes a pending reassignment once
/// every target replica is in the ISR.
command_result report_partitions(const image& img, const std::vector<partition_report>& reports);

struct reassignment_request {
  std::string topic;
  int32_t partition = 0;
  std::optional<std::vector<node_id>> replicas; // nullopt cancels a pending reassignment
};
command_result reassign_partitions(const image& img, const std::vector<reassignment_request>& req);

/// The records that move a partition towards `target` (KRaft-style: the
/// replica set becomes target + leaving replicas until the new ones are in
/// sync). Empty when nothing changes.
std::vector<record> start_reassignment(const uuid& topic, int32_t partition,
                                       const partition_state& st,
                                       const std::vector<node_id>& target);
/// The records applying `rebalance()`'s moves to the image's partitions.
std::vector<record> reassignment_records(const image& img, const rebalance_plan& plan);

} // namespace caudal::metadata
