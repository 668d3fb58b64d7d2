#pragma once
// Admin requests travel from sessions to the topic manager as the decoded
// protocol structs, and the response structs come back. They never leave the
// process, so CAF may carry them without a serializer.

#include <caf/allowed_unsafe_message_type.hpp>

#include "protocol/messages/alter_configs_request.h"
#include "protocol/messages/alter_configs_response.h"
#include "protocol/messages/alter_partition_reassignments_request.h"
#include "protocol/messages/alter_partition_reassignments_response.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_partitions_response.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_configs_response.h"
#include "protocol/messages/elect_leaders_request.h"
#include "protocol/messages/elect_leaders_response.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"
#include "protocol/messages/list_partition_reassignments_request.h"
#include "protocol/messages/list_partition_reassignments_response.h"
#include "protocol/messages/unregister_broker_request.h"
#include "protocol/messages/unregister_broker_response.h"
#include "storage/partition_log.h"

namespace caudal::actors::elastic_errc {
// Kafka error codes of the elasticity APIs (error-codes.tsv).
inline constexpr int16_t unknown_topic_or_partition = 3;
inline constexpr int16_t request_timed_out = 7;
inline constexpr int16_t invalid_replica_assignment = 39;
inline constexpr int16_t not_controller = 41;
inline constexpr int16_t invalid_request = 42;
inline constexpr int16_t preferred_leader_not_available = 80;
inline constexpr int16_t eligible_leaders_not_available = 83;
inline constexpr int16_t election_not_needed = 84;
inline constexpr int16_t no_reassignment_in_progress = 85;
inline constexpr int16_t broker_id_not_registered = 102;
} // namespace caudal::actors::elastic_errc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::create_topics_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::create_topics_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::delete_topics_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::delete_topics_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::create_partitions_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::create_partitions_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::describe_configs_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::describe_configs_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::alter_configs_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::alter_configs_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::incremental_alter_configs_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::incremental_alter_configs_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::alter_partition_reassignments_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::alter_partition_reassignments_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::list_partition_reassignments_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::list_partition_reassignments_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::elect_leaders_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::elect_leaders_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::unregister_broker_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::unregister_broker_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::storage::log_config)
