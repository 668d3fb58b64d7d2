#pragma once
// Admin requests travel from sessions to the topic manager as the decoded
// protocol structs, and the response structs come back. They never leave the
// process, so CAF may carry them without a serializer.

#include <caf/allowed_unsafe_message_type.hpp>

#include "protocol/messages/alter_configs_request.h"
#include "protocol/messages/alter_configs_response.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_partitions_response.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_configs_response.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"
#include "storage/partition_log.h"

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
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::storage::log_config)
