// Consumer-group APIs of a session: FindCoordinator is answered here (a single
// node coordinates every group; a cluster node names the leader of the
// group's offsets partition); the others go to the group coordinator
// (group_coordinator.h), whose answer is encoded here in the request's version.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/group_messages.h"
#include "actors/group_offsets.h"
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

/// Fills one coordinator answer (v4+ per key, older versions at top level).
template <class T>
void set_coordinator(T& out, const coordinator_location& where) {
  bool ok = where.error == 0;
  out.error_code = where.error;
  out.error_message = ok ? std::nullopt : std::optional<std::string>{"coordinator not available"};
  out.node_id = ok ? where.node_id : -1;
  out.host = ok ? where.host : "";
  out.port = ok ? where.port : -1;
}

/// Where each group's coordinator is: this node alone, in a cluster the
/// leader of the group's offsets partition. `forced_error` (unsupported key
/// types) answers every key with that error.
void answer_find_coordinator(session_self self, const request_context& rc,
                             std::vector<std::string> keys, int16_t forced_error) {
  auto& ctx = self->state.ctx;
  auto snap = ctx.metadata->get();
  coordinator_location here{0, ctx.node_id, ctx.advertised_host, ctx.advertised_port};
  auto locate = [&](const std::string& key) {
    if (forced_error != 0) return coordinator_location{forced_error, -1, "", -1};
    return locate_coordinator(*snap, key, here);
  };
  msg::find_coordinator_response resp;
  if (rc.version() < 4) {
    set_coordinator(resp, locate(keys.empty() ? std::string{} : keys.front()));
  } else {
    for (auto& k : keys) {
      auto& c = resp.coordinators.emplace_back();
      c.key = k;
      set_coordinator(c, locate(k));
    }
  }
  reply(self, rc, resp);
}

/// A cluster creates `__consumer_offsets` on the first FindCoordinator (as
/// Kafka does): the answer waits for no one, clients ask again meanwhile.
void ensure_offsets_topic(session_self self) {
  auto snap = self->state.ctx.metadata->get();
  if (!is_cluster(*snap) || snap->find(offsets_topic)) return;
  self->request(self->state.ctx.group_coordinator, caf::infinite, gready_atom::value)
      .then([](bool) {}, [](caf::error&) {});
}

} // namespace

void handle_find_coordinator(session_self self, const request_context& rc,
                             msg::find_coordinator_request req) {
  std::vector<std::string> keys =
      rc.version() >= 4 ? req.coordinator_keys : std::vector<std::string>{req.key};
  int8_t type = rc.version() >= 1 ? req.key_type : key_type_group;
  if (type != key_type_group) // transaction coordinators are not served yet
    return answer_find_coordinator(self, rc, keys, group_error::coordinator_not_available);
  // A single node coordinates every group; there `__consumer_offsets` is
  // created by the first commit, so clients that only look up their
  // coordinator (librdkafka does at start) do not make it create 50 partitions.
  ensure_offsets_topic(self);
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
