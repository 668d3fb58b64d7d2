// Elasticity admin APIs: AlterPartitionReassignments, ListPartitionReassignments,
// ElectLeaders and UnregisterBroker. The topic manager answers them (the
// cluster topic manager from the controller's image, the single-node one as
// a one-broker Kafka would); the node id travels along for the latter.

#include <caf/all.hpp>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/handlers.h"

namespace caudal::actors {
namespace {

/// Sends `xs...` to the topic manager and replies with its response struct;
/// if the manager is gone the connection is closed (the node is stopping).
template <class Response, class... Ts>
void ask_topic_manager(session_self self, const request_context& rc, Ts&&... xs) {
  self->request(self->state.ctx.topic_manager, caf::infinite, std::forward<Ts>(xs)...,
                self->state.ctx.node_id)
      .then([=](Response& resp) { reply(self, rc, resp); },
            [=](caf::error&) { self->state.sink.close(); });
}

} // namespace

void handle_alter_partition_reassignments(session_self self, const request_context& rc,
                                          msg::alter_partition_reassignments_request req) {
  ask_topic_manager<msg::alter_partition_reassignments_response>(self, rc, reassign_atom::value,
                                                                 std::move(req));
}

void handle_list_partition_reassignments(session_self self, const request_context& rc,
                                         msg::list_partition_reassignments_request req) {
  ask_topic_manager<msg::list_partition_reassignments_response>(self, rc, reassign_atom::value,
                                                                std::move(req));
}

void handle_elect_leaders(session_self self, const request_context& rc,
                          msg::elect_leaders_request req) {
  if (rc.version() == 0) req.election_type = 0; // v0 elects the preferred replica only
  ask_topic_manager<msg::elect_leaders_response>(self, rc, elect_atom::value, std::move(req));
}

void handle_unregister_broker(session_self self, const request_context& rc,
                              msg::unregister_broker_request req) {
  ask_topic_manager<msg::unregister_broker_response>(self, rc, drain_atom::value, std::move(req));
}

} // namespace caudal::actors
