#pragma once
// The topic manager's message handlers, one function per admin API.

#include <caf/behavior.hpp>

#include "actors/topic_manager_state.h"
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

namespace caudal::actors {

namespace msg = protocol::msg;

caf::behavior topic_manager_behavior(topic_manager_self self);

msg::create_topics_response handle_create_topics(topic_manager_self self,
                                                 const msg::create_topics_request& req,
                                                 int16_t version);
msg::delete_topics_response handle_delete_topics(topic_manager_self self,
                                                 const msg::delete_topics_request& req,
                                                 int16_t version);
msg::create_partitions_response handle_create_partitions(topic_manager_self self,
                                                         const msg::create_partitions_request& req);
msg::describe_configs_response handle_describe_configs(topic_manager_self self,
                                                       const msg::describe_configs_request& req,
                                                       int16_t version);
msg::alter_configs_response handle_alter_configs(topic_manager_self self,
                                                 const msg::alter_configs_request& req);
msg::incremental_alter_configs_response
handle_incremental_alter_configs(topic_manager_self self,
                                 const msg::incremental_alter_configs_request& req);

} // namespace caudal::actors
