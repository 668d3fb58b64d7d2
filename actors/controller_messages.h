#pragma once
// Messages of the controller actor (actors/controller_actor.h): the commands
// it runs on the metadata log, their results, the leadership report of
// replicated partitions, and the envelopes that carry commands between the
// controllers of different nodes. Every type that crosses nodes has an
// inspect() overload and is announced by announce_controller_types().

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>

#include "consensus/messages.h"
#include "metadata/image.h"

namespace caudal::actors {

/// The Raft group of the controller's metadata log.
inline const std::string controller_group = "__cluster_metadata/0";

namespace controller_errc {
inline constexpr int16_t none = 0;
inline constexpr int16_t request_timed_out = 7;
inline constexpr int16_t not_controller = 41; // retriable: ask again once a leader is known
inline constexpr int16_t kafka_storage_error = 56;
} // namespace controller_errc

/// A replicated partition's leader tells the controller who leads and who is
/// in sync (`(report_atom, leader_report)` -> int16 error code).
struct leader_report {
  std::string topic;
  int32_t partition = 0;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
};

/// One topic to create. -1 partitions / replication factor: the defaults the
/// caller resolved are expected here already; the controller rejects -1.
struct topic_spec {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;
};

struct create_topics_cmd {
  std::vector<topic_spec> topics;
  bool validate_only = false;
};

struct delete_topics_cmd {
  std::vector<std::string> names;
};

struct partition_growth {
  std::string topic;
  int32_t count = 0; // the new total
};

struct create_partitions_cmd {
  std::vector<partition_growth> topics;
  bool validate_only = false;
};

/// The complete new override set of one topic (the caller resolved
/// incremental operations against the image it saw).
struct topic_configs {
  std::string topic;
  std::map<std::string, std::string> configs;
};

struct alter_configs_cmd {
  std::vector<topic_configs> topics;
  bool validate_only = false;
};

/// A node announcing its addresses; `incarnation` changes at every start.
struct register_node_cmd {
  int32_t id = -1;
  uint64_t incarnation = 0;
  std::string host;
  uint16_t port = 0;
  std::string peer_host;
  uint16_t peer_port = 0;
  std::string rack; // "" = no rack
};

/// The leader controller fences a node it has not heard from for the node
/// session timeout: no new replicas, not listed as a broker, until the node
/// registers again.
struct fence_node_cmd {
  int32_t id = -1;
};

/// One partition to move (AlterPartitionReassignments): `replicas` is the
/// target list (first = preferred leader); `cancel` reverts a pending move.
/// `stepwise`: a target more than one replica away is recorded as a goal and
/// reached one replica at a time (otherwise it is refused).
struct reassignment_item {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  bool cancel = false;
  bool stepwise = false;
};

/// Starts (or cancels) reassignments; see actors/controller_reassign.h.
struct reassign_partitions_cmd {
  std::vector<reassignment_item> items;
};

/// Drains a node: decommissioned, its replicas moved to the others.
struct decommission_node_cmd {
  int32_t id = -1;
};

using controller_command =
    std::variant<create_topics_cmd, delete_topics_cmd, create_partitions_cmd, alter_configs_cmd,
                 register_node_cmd, leader_report, fence_node_cmd, reassign_partitions_cmd,
                 decommission_node_cmd>;

/// The outcome of one item of a command (a topic, a resource).
struct command_item {
  std::string name;
  int16_t error = 0;
  std::string message;
};

/// `error` is for the command as a whole (NOT_CONTROLLER, timeout, ...);
/// when it is 0, `items` holds one entry per item in request order.
struct command_result {
  int16_t error = 0;
  std::string message;
  std::vector<command_item> items;
};

/// Envelope of a command forwarded to the leader's controller:
/// (group, controller_forward, <command struct>).
struct controller_forward {
  int32_t origin = -1;
  uint64_t incarnation = 0; // the origin's; with `id` the key that drops duplicates
  uint64_t id = 0;
};

/// The leader's answer: (group, controller_answer).
struct controller_answer {
  uint64_t id = 0;
  command_result result;
};

/// A node whose metadata log was reset past what its image holds (its
/// fetch fell below the leader's log start) asks the leader for a snapshot:
/// (group, metadata_snapshot_request).
struct metadata_snapshot_request {
  int32_t from = -1;
  int64_t min_offset = 0; // the asker's log start: a smaller snapshot is of no use
};

/// The answer: (group, metadata_snapshot_answer), the bytes of
/// metadata::encode_snapshot of the leader's image at its applied offset.
struct metadata_snapshot_answer {
  std::vector<uint8_t> bytes;
};

/// Reply to `(status_atom)` on a controller actor.
struct controller_status {
  int32_t node = -1;
  int32_t leader = -1;
  int32_t epoch = 0;
  std::string role;
  int64_t high_watermark = 0;
  int64_t applied_offset = 0; // next offset to apply
  bool registered = false;
  uint64_t incarnation = 0;     // this process's registration incarnation
  int64_t log_start_offset = 0; // moves forward as snapshots replace the log
  int64_t snapshot_offset = 0;  // end offset of the newest snapshot here (0: none)
};

using image_ptr = std::shared_ptr<const metadata::image>;

/// Registers every controller type that crosses nodes (the consensus
/// messages come from cluster::announce_peer_types). Call on every node's
/// config before the actor_system exists.
void announce_controller_types(caf::actor_system_config& cfg);

/// A consensus message as it travels: the alternative's struct alone (the
/// peer router dispatches it by its `group` member).
caf::message pack_consensus(const consensus::message& m);
/// The inverse; nullopt if `m` is not a consensus message.
std::optional<consensus::message> unpack_consensus(const caf::message& m);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leader_report& x) {
  return f(caf::meta::type_name("caudal.leader_report"), x.topic, x.partition, x.leader,
           x.leader_epoch, x.isr);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_spec& x) {
  return f(caf::meta::type_name("caudal.topic_spec"), x.name, x.partitions, x.replication_factor,
           x.configs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_topics_cmd& x) {
  return f(caf::meta::type_name("caudal.create_topics_cmd"), x.topics, x.validate_only);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_topics_cmd& x) {
  return f(caf::meta::type_name("caudal.delete_topics_cmd"), x.names);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_growth& x) {
  return f(caf::meta::type_name("caudal.partition_growth"), x.topic, x.count);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_partitions_cmd& x) {
  return f(caf::meta::type_name("caudal.create_partitions_cmd"), x.topics, x.validate_only);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_configs& x) {
  return f(caf::meta::type_name("caudal.topic_configs"), x.topic, x.configs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alter_configs_cmd& x) {
  return f(caf::meta::type_name("caudal.alter_configs_cmd"), x.topics, x.validate_only);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, register_node_cmd& x) {
  return f(caf::meta::type_name("caudal.register_node_cmd"), x.id, x.incarnation, x.host, x.port,
           x.peer_host, x.peer_port, x.rack);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fence_node_cmd& x) {
  return f(caf::meta::type_name("caudal.fence_node_cmd"), x.id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reassignment_item& x) {
  return f(caf::meta::type_name("caudal.reassignment_item"), x.topic, x.partition, x.replicas,
           x.cancel, x.stepwise);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reassign_partitions_cmd& x) {
  return f(caf::meta::type_name("caudal.reassign_partitions_cmd"), x.items);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, decommission_node_cmd& x) {
  return f(caf::meta::type_name("caudal.decommission_node_cmd"), x.id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_item& x) {
  return f(caf::meta::type_name("caudal.command_item"), x.name, x.error, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_result& x) {
  return f(caf::meta::type_name("caudal.command_result"), x.error, x.message, x.items);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, controller_forward& x) {
  return f(caf::meta::type_name("caudal.controller_forward"), x.origin, x.incarnation, x.id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, controller_answer& x) {
  return f(caf::meta::type_name("caudal.controller_answer"), x.id, x.result);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, controller_status& x) {
  return f(caf::meta::type_name("caudal.controller_status"), x.node, x.leader, x.epoch, x.role,
           x.high_watermark, x.applied_offset, x.registered, x.incarnation, x.log_start_offset,
           x.snapshot_offset);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_snapshot_request& x) {
  return f(caf::meta::type_name("caudal.metadata_snapshot_request"), x.from, x.min_offset);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_snapshot_answer& x) {
  return f(caf::meta::type_name("caudal.metadata_snapshot_answer"), x.bytes);
}

} // namespace caudal::actors

// Local only (never sent to another node): the variant travels inside one
// process; forwarded commands travel as their alternative's struct.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::actors::controller_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::actors::image_ptr)
