// Consumer-group APIs of a session: FindCoordinator is answered here (this
// node coordinates every group); the others go to the group coordinator
// (group_coordinator.h), whose answer is encoded here in the request's version.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/group_messages.h"
#include "actors/handlers.h"

namespace caudal::actors {
namespace {

constexpr int8_t key_type_group = 0;
constexpr int32_t authorized_ops_omitted = INT32_MIN;

/// Sends to the coordinator; a coordinator that is gone (node stopping)
/// answers `on_error`'s response instead.
template <class Answer, class OnOk, class OnError, class... Ts>
void ask(session_self self, OnOk on_ok, OnError on_error, Ts&&... xs) {
  self->request(self->state.ctx.group_coordinator, caf::infinite, std::forward<Ts>(xs)...)
      .then([=](Answer& a) mutable { on_ok(a); },
            [=](caf::error& e) mutable {
              spdlog::warn("group coordinator did not answer: {}", self->system().render(e));
              on_error();
            });
}

void answer_find_coordinator(session_self self, const request_context& rc,
                             std::vector<std::string> keys, int16_t error) {
  auto& ctx = self->state.ctx;
  msg::find_coordinator_response resp;
  bool ok = error == 0;
  if (rc.version() < 4) {
    resp.error_code = error;
    resp.error_message =
        ok ? std::nullopt : std::optional<std::string>{"coordinator not available"};
    resp.node_id = ok ? ctx.node_id : -1;
    resp.host = ok ? ctx.advertised_host : "";
    resp.port = ok ? ctx.advertised_port : -1;
  }
  for (auto& k : keys) {
    auto& c = resp.coordinators.emplace_back();
    c.key = k;
    c.error_code = error;
    c.error_message = ok ? std::nullopt : std::optional<std::string>{"coordinator not available"};
    c.node_id = ok ? ctx.node_id : -1;
    c.host = ok ? ctx.advertised_host : "";
    c.port = ok ? ctx.advertised_port : -1;
  }
  if (rc.version() < 4) resp.coordinators.clear();
  reply(self, rc, resp);
}

} // namespace

void handle_find_coordinator(session_self self, const request_context& rc,
                             msg::find_coordinator_request req) {
  std::vector<std::string> keys =
      rc.version() >= 4 ? req.coordinator_keys : std::vector<std::string>{req.key};
  int8_t type = rc.version() >= 1 ? req.key_type : key_type_group;
  if (type != key_type_group) // transaction coordinators are not served yet
    return answer_find_coordinator(self, rc, keys, group_error::coordinator_not_available);
  // This node coordinates every group. `__consumer_offsets` is created by the
  // first commit, so clients that only look up their coordinator (librdkafka
  // does at start) do not make a node create 50 partitions.
  answer_find_coordinator(self, rc, keys, group_error::none);
}

void handle_join_group(session_self self, const request_context& rc, msg::join_group_request req) {
  auto fail = [=](int16_t e) {
    msg::join_group_response r;
    r.error_code = e;
    r.generation_id = -1;
    r.member_id = req.member_id;
    if (rc.version() >= 7) r.protocol_name = std::nullopt;
    reply(self, rc, r);
  };
  if (req.group_id.empty()) return fail(group_error::invalid_group_id);
  client_info client{rc.header.client_id.value_or(""), ""};
  ask<msg::join_group_response>(
      self, [=](msg::join_group_response& r) { reply(self, rc, r); },
      [=] { fail(group_error::coordinator_not_available); }, gjoin_atom::value, std::move(req),
      rc.version(), client);
}

void handle_sync_group(session_self self, const request_context& rc, msg::sync_group_request req) {
  auto fail = [=](int16_t e) {
    msg::sync_group_response r;
    r.error_code = e;
    reply(self, rc, r);
  };
  if (req.group_id.empty()) return fail(group_error::invalid_group_id);
  ask<msg::sync_group_response>(
      self, [=](msg::sync_group_response& r) { reply(self, rc, r); },
      [=] { fail(group_error::coordinator_not_available); }, gsync_atom::value, std::move(req),
      rc.version());
}

void handle_heartbeat(session_self self, const request_context& rc, msg::heartbeat_request req) {
  auto answer = [=](int16_t e) {
    msg::heartbeat_response r;
    r.error_code = e;
    reply(self, rc, r);
  };
  if (req.group_id.empty()) return answer(group_error::invalid_group_id);
  ask<int16_t>(
      self, [=](int16_t e) { answer(e); }, [=] { answer(group_error::coordinator_not_available); },
      gbeat_atom::value, std::move(req));
}

void handle_leave_group(session_self self, const request_context& rc,
                        msg::leave_group_request req) {
  auto fail = [=](int16_t e) {
    msg::leave_group_response r;
    r.error_code = e;
    reply(self, rc, r);
  };
  if (req.group_id.empty()) return fail(group_error::invalid_group_id);
  ask<msg::leave_group_response>(
      self, [=](msg::leave_group_response& r) { reply(self, rc, r); },
      [=] { fail(group_error::coordinator_not_available); }, gleave_atom::value, std::move(req),
      rc.version());
}

void handle_offset_commit(session_self self, const request_context& rc,
                          msg::offset_commit_request req) {
  auto fail_all = [=](int16_t e) {
    msg::offset_commit_response r;
    for (auto& t : req.topics) {
      auto& rt = r.topics.emplace_back();
      rt.name = t.name;
      for (auto& p : t.partitions) {
        auto& rp = rt.partitions.emplace_back();
        rp.partition_index = p.partition_index;
        rp.error_code = e;
      }
    }
    reply(self, rc, r);
  };
  if (req.group_id.empty()) return fail_all(group_error::invalid_group_id);
  ask<msg::offset_commit_response>(
      self, [=](msg::offset_commit_response& r) { reply(self, rc, r); },
      [=] { fail_all(group_error::coordinator_not_available); }, gcommit_atom::value, req,
      rc.version());
}

} // namespace caudal::actors
