// Commands that cross nodes (forwarded to the leader, answered back) and the
// node's own registration.

#include <algorithm>
#include <cstdint>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/controller_state.h"

namespace caudal::actors {

namespace {

constexpr size_t max_seen_forwards = 10000;

/// True the first time (origin, incarnation, id) is seen.
bool first_sighting(controller_state& st, const controller_forward& f) {
  auto key = std::make_tuple(f.origin, f.incarnation, f.id);
  if (!st.seen.insert(key).second) return false;
  st.seen_order.push_back(key);
  if (st.seen_order.size() > max_seen_forwards) {
    st.seen.erase(st.seen_order.front());
    st.seen_order.pop_front();
  }
  return true;
}

template <class T>
bool take_command(const caf::message& m, controller_forward& env,
                  std::optional<controller_command>& out) {
  if (out || !m.match_elements<std::string, controller_forward, T>()) return false;
  env = m.get_as<controller_forward>(1);
  out = m.get_as<T>(2);
  return true;
}

template <class... Ts>
std::optional<controller_command> unpack_command(const caf::message& m, controller_forward& env,
                                                 std::variant<Ts...>*) {
  std::optional<controller_command> out;
  (take_command<Ts>(m, env, out) || ...);
  return out;
}

} // namespace

void on_forwarded(controller_self self, int32_t from, const caf::message& m) {
  auto& st = self->state;
  controller_forward env;
  auto cmd = unpack_command(m, env, static_cast<controller_command*>(nullptr));
  if (!cmd) {
    spdlog::debug("controller: dropped an unknown message from node {}", from);
    return;
  }
  if (!first_sighting(st, env)) return;
  auto transport = st.args.transport;
  auto origin = env.origin;
  auto id = env.id;
  auto reply = [self, transport, origin, id](const command_result& r) {
    auto msg = caf::make_message(controller_group, controller_answer{id, r});
    self->send(transport, peer_send_atom::value, origin, std::move(msg));
  };
  enqueue(self, std::move(*cmd), std::move(reply), true);
}

void on_answer(controller_self self, const controller_answer& a) {
  auto& st = self->state;
  auto it = st.forwarded.find(a.id);
  if (it == st.forwarded.end()) return; // answered already (timeout, duplicate)
  auto reply = std::move(it->second.reply);
  st.forwarded.erase(it);
  reply(a.result);
}

void maybe_register(controller_self self) {
  auto& st = self->state;
  if (st.registered || st.registering || st.replica->leader() == consensus::no_node) return;
  if (now_ms(self) < st.register_retry_ms) return;
  auto& reg = st.args.registration;
  register_node_cmd cmd{st.args.node_id, st.incarnation,       reg.host, reg.port, reg.peer_host,
                        reg.peer_port,   reg.rack.value_or("")};
  st.registering = true;
  auto reply = [self](const command_result& r) {
    auto& s = self->state;
    s.registering = false;
    s.registered = r.error == 0;
    // Not at every step: a refused registration waits a little.
    if (!s.registered) s.register_retry_ms = now_ms(self) + s.args.election_timeout_ms / 2;
    if (!s.registered)
      spdlog::info("controller: registration of node {} failed ({}: {}); retrying", s.args.node_id,
                   r.error, r.message);
  };
  // A short deadline: an unanswered registration is simply sent again.
  enqueue(self, std::move(cmd), std::move(reply), false, 2 * st.args.election_timeout_ms);
}

void check_sessions(controller_self self) {
  auto& st = self->state;
  if (st.replica->role() != consensus::replica_role::leader) {
    st.leader_since = -1;
    return;
  }
  auto now = now_ms(self);
  if (st.leader_since < 0) st.leader_since = now; // everyone gets a full session first
  auto timeout = st.args.node_session_timeout_ms > 0 ? st.args.node_session_timeout_ms
                                                     : 3 * st.args.election_timeout_ms;
  for (auto& [id, n] : st.image.nodes) {
    if (id == st.args.node_id || n.fenced || n.decommissioned || st.fencing.count(id)) continue;
    auto it = st.last_seen.find(id);
    auto seen = std::max(st.leader_since, it == st.last_seen.end() ? INT64_MIN : it->second);
    if (now - seen < timeout) continue;
    spdlog::info("controller: fencing node {} (silent for {} ms)", id, now - seen);
    st.fencing.insert(id);
    auto node = id;
    // Never forwarded (from_peer = true): a fence decided on a stale view
    // must not reach the next leader.
    enqueue(
        self, fence_node_cmd{node},
        [self, node](const command_result&) { self->state.fencing.erase(node); }, true);
  }
}

void check_own_registration(controller_self self) {
  auto& st = self->state;
  auto* me = st.image.node(st.args.node_id);
  // Only a state this node's image already shows counts: right after a
  // registration the image may lag, and registering again is then a no-op.
  if (st.registered && me && (me->fenced || me->registration.incarnation != st.incarnation))
    st.registered = false;
}

} // namespace caudal::actors
