// Admin APIs: forwarded to the topic manager, which owns the topic table.

#include <caf/all.hpp>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"

namespace caudal::actors {
namespace {

/// Sends `xs...` to the topic manager and replies with its response struct;
/// if the manager is gone the connection is closed (the node is stopping).
template <class Response, class... Ts>
void forward(session_self self, const request_context& rc, Ts&&... xs) {
  self->request(self->state.ctx.topic_manager, caf::infinite, std::forward<Ts>(xs)...)
      .then([=](Response& resp) { reply(self, rc, resp); },
            [=](caf::error&) { self->state.sink.close(); });
}

} // namespace

void handle_create_topics(session_self self, const request_context& rc,
                          msg::create_topics_request req) {
  forward<msg::create_topics_response>(self, rc, create_atom::value, std::move(req), rc.version());
}

void handle_delete_topics(session_self self, const request_context& rc,
                          msg::delete_topics_request req) {
  forward<msg::delete_topics_response>(self, rc, delete_atom::value, std::move(req), rc.version());
}

void handle_create_partitions(session_self self, const request_context& rc,
                              msg::create_partitions_request req) {
  forward<msg::create_partitions_response>(self, rc, grow_atom::value, std::move(req));
}

void handle_describe_configs(session_self self, const request_context& rc,
                             msg::describe_configs_request req) {
  forward<msg::describe_configs_response>(self, rc, describe_atom::value, std::move(req),
                                          rc.version());
}

void handle_alter_configs(session_self self, const request_context& rc,
                          msg::alter_configs_request req) {
  forward<msg::alter_configs_response>(self, rc, alter_atom::value, std::move(req));
}

void handle_incremental_alter_configs(session_self self, const request_context& rc,
                                      msg::incremental_alter_configs_request req) {
  forward<msg::incremental_alter_configs_response>(self, rc, alter_atom::value, std::move(req));
}

} // namespace caudal::actors
