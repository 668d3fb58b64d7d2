#pragma once
// One function per Kafka API served by a session. Each decodes nothing itself
// (the session decoded the body) and must eventually call complete() for
// `rc.seq` exactly once, directly or from a response handler.

#include "actors/session_state.h"
#include "protocol/messages/all.h"

namespace caudal::actors {

namespace msg = protocol::msg;

/// The versions this node serves, per API key (ApiVersions' answer).
struct served_api {
  int16_t key;
  int16_t min_version;
  int16_t max_version;
};
const std::vector<served_api>& served_apis();
const served_api* find_served(int16_t key);

void handle_api_versions(session_self self, const request_context& rc,
                         const msg::api_versions_request& req);
void handle_metadata(session_self self, const request_context& rc, msg::metadata_request req);
void handle_describe_cluster(session_self self, const request_context& rc,
                             const msg::describe_cluster_request& req);
void handle_produce(session_self self, const request_context& rc, msg::produce_request req);
/// handle_produce, minus the response while ctx.test_drop_produce_responses > 0.
void handle_produce_with_test_hooks(session_self self, const request_context& rc,
                                    msg::produce_request req);
void handle_init_producer_id(session_self self, const request_context& rc,
                             msg::init_producer_id_request req);
void handle_fetch(session_self self, const request_context& rc, msg::fetch_request req);
void handle_list_offsets(session_self self, const request_context& rc,
                         msg::list_offsets_request req);
void handle_offset_for_leader_epoch(session_self self, const request_context& rc,
                                    msg::offset_for_leader_epoch_request req);
void handle_create_topics(session_self self, const request_context& rc,
                          msg::create_topics_request req);
void handle_delete_topics(session_self self, const request_context& rc,
                          msg::delete_topics_request req);
void handle_create_partitions(session_self self, const request_context& rc,
                              msg::create_partitions_request req);
void handle_describe_configs(session_self self, const request_context& rc,
                             msg::describe_configs_request req);
void handle_alter_configs(session_self self, const request_context& rc,
                          msg::alter_configs_request req);
void handle_incremental_alter_configs(session_self self, const request_context& rc,
                                      msg::incremental_alter_configs_request req);
// Consumer groups (group_handlers.cpp, group_admin_handlers.cpp).
void handle_find_coordinator(session_self self, const request_context& rc,
                             msg::find_coordinator_request req);
void handle_join_group(session_self self, const request_context& rc, msg::join_group_request req);
void handle_sync_group(session_self self, const request_context& rc, msg::sync_group_request req);
void handle_heartbeat(session_self self, const request_context& rc, msg::heartbeat_request req);
void handle_leave_group(session_self self, const request_context& rc, msg::leave_group_request req);
void handle_offset_commit(session_self self, const request_context& rc,
                          msg::offset_commit_request req);
void handle_offset_fetch(session_self self, const request_context& rc,
                         msg::offset_fetch_request req);
void handle_offset_delete(session_self self, const request_context& rc,
                          msg::offset_delete_request req);
void handle_describe_groups(session_self self, const request_context& rc,
                            msg::describe_groups_request req);
void handle_list_groups(session_self self, const request_context& rc, msg::list_groups_request req);
void handle_delete_groups(session_self self, const request_context& rc,
                          msg::delete_groups_request req);

// Elasticity (handle_elastic.cpp): forwarded to the topic manager.
void handle_alter_partition_reassignments(session_self self, const request_context& rc,
                                          msg::alter_partition_reassignments_request req);
void handle_list_partition_reassignments(session_self self, const request_context& rc,
                                         msg::list_partition_reassignments_request req);
void handle_elect_leaders(session_self self, const request_context& rc,
                          msg::elect_leaders_request req);
void handle_unregister_broker(session_self self, const request_context& rc,
                              msg::unregister_broker_request req);

} // namespace caudal::actors
