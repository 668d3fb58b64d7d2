#pragma once
// Messages between sessions, the group manager and the group actors. The
// decoded protocol structs travel as they are (never leave the process).

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/group_state.h"
#include "protocol/messages/delete_groups_response.h"
#include "protocol/messages/describe_groups_response.h"
#include "protocol/messages/list_groups_response.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"
#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_delete_response.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"

namespace caudal::actors {

using gjoin_atom = caf::atom_constant<caf::atom("gjoin")>;
using gsync_atom = caf::atom_constant<caf::atom("gsync")>;
using gbeat_atom = caf::atom_constant<caf::atom("gbeat")>;
using gleave_atom = caf::atom_constant<caf::atom("gleave")>;
using gcommit_atom = caf::atom_constant<caf::atom("gcommit")>;
using gfetch_atom = caf::atom_constant<caf::atom("gfetch")>;
using goffdel_atom = caf::atom_constant<caf::atom("goffdel")>;
using gdescribe_atom = caf::atom_constant<caf::atom("gdescribe")>;
using glist_atom = caf::atom_constant<caf::atom("glist")>;
using gdelete_atom = caf::atom_constant<caf::atom("gdelete")>;
using gtimer_atom = caf::atom_constant<caf::atom("gtimer")>;
using gready_atom = caf::atom_constant<caf::atom("gready")>;

/// OffsetFetch for one group: nullopt topics = every committed offset.
struct offset_fetch_query {
  std::string group_id;
  std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> topics;
};

/// One group's row of ListGroups.
struct listed_group {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

} // namespace caudal::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::actors::client_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::actors::offset_fetch_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::actors::listed_group)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<caudal::actors::listed_group>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::join_group_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::join_group_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::sync_group_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::sync_group_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::heartbeat_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::leave_group_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::leave_group_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::offset_commit_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::offset_commit_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(
    caudal::protocol::msg::offset_fetch_response::offset_fetch_response_group)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::offset_delete_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::offset_delete_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caudal::protocol::msg::describe_groups_response::described_group)
