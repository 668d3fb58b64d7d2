#include "actors/controller_messages.h"

#include <caf/make_message.hpp>

namespace caudal::actors {

void announce_controller_types(caf::actor_system_config& cfg) {
  // The consensus messages are announced by cluster::announce_peer_types.
  // Forwarded commands and their answers.
  cfg.add_message_type<controller_forward>("caudal.controller_forward");
  cfg.add_message_type<controller_answer>("caudal.controller_answer");
  cfg.add_message_type<command_result>("caudal.command_result");
  cfg.add_message_type<command_item>("caudal.command_item");
  cfg.add_message_type<create_topics_cmd>("caudal.create_topics_cmd");
  cfg.add_message_type<topic_spec>("caudal.topic_spec");
  cfg.add_message_type<delete_topics_cmd>("caudal.delete_topics_cmd");
  cfg.add_message_type<create_partitions_cmd>("caudal.create_partitions_cmd");
  cfg.add_message_type<partition_growth>("caudal.partition_growth");
  cfg.add_message_type<alter_configs_cmd>("caudal.alter_configs_cmd");
  cfg.add_message_type<topic_configs>("caudal.topic_configs");
  cfg.add_message_type<register_node_cmd>("caudal.register_node_cmd");
  cfg.add_message_type<leader_report>("caudal.leader_report");
  cfg.add_message_type<fence_node_cmd>("caudal.fence_node_cmd");
  cfg.add_message_type<reassign_partitions_cmd>("caudal.reassign_partitions_cmd");
  cfg.add_message_type<decommission_node_cmd>("caudal.decommission_node_cmd");
  cfg.add_message_type<controller_status>("caudal.controller_status");
  cfg.add_message_type<metadata_snapshot_request>("caudal.metadata_snapshot_request");
  cfg.add_message_type<metadata_snapshot_answer>("caudal.metadata_snapshot_answer");
}

caf::message pack_consensus(const consensus::message& m) {
  // The struct alone: the peer router reads the group key from its member.
  return std::visit([](const auto& x) { return caf::make_message(x); }, m);
}

namespace {

template <class T>
bool take(const caf::message& m, std::optional<consensus::message>& out) {
  if (out) return true;
  if (m.match_elements<T>()) {
    out = m.get_as<T>(0);
  } else if (m.match_elements<std::string, T>()) { // (group, struct) is accepted too
    out = m.get_as<T>(1);
  }
  return out.has_value();
}

} // namespace

std::optional<consensus::message> unpack_consensus(const caf::message& m) {
  std::optional<consensus::message> out;
  take<consensus::vote_request>(m, out) || take<consensus::vote_response>(m, out) ||
      take<consensus::begin_epoch>(m, out) || take<consensus::fetch_request>(m, out) ||
      take<consensus::fetch_response>(m, out);
  return out;
}

} // namespace caudal::actors
