// The controller's command path: a queue that the leader plans and appends
// in rounds, forwarding to the leader from followers, answers once the
// records are committed and applied, and deadlines. Handling of forwarded
// commands, registration and node sessions: controller_remote.cpp.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/controller_commands.h"
#include "actors/controller_state.h"

namespace caudal::actors {

namespace {

command_result error_result(int16_t error, std::string message) {
  return command_result{error, std::move(message), {}};
}

int64_t leader_wait(const controller_args& a) {
  return a.leader_wait_ms > 0 ? a.leader_wait_ms : 2 * a.election_timeout_ms;
}

/// Answers inflight commands the image now covers, or that cannot commit
/// through this leader any more (then the client retries: NOT_CONTROLLER).
void finish_inflight(controller_self self, int64_t now) {
  auto& st = self->state;
  auto& r = *st.replica;
  auto lost = r.role() != consensus::replica_role::leader;
  std::erase_if(st.inflight, [&](inflight_command& c) {
    if (st.applied > c.last_offset)
      c.reply(c.result);
    else if (lost || r.epoch() != c.epoch)
      c.reply(error_result(controller_errc::not_controller, "controller leadership moved"));
    else if (now >= c.deadline_ms)
      c.reply(error_result(controller_errc::request_timed_out, "not committed in time"));
    else
      return false;
    return true;
  });
}

void expire_forwarded(controller_self self, int64_t now) {
  auto& st = self->state;
  auto leader = st.replica->leader();
  for (auto it = st.forwarded.begin(); it != st.forwarded.end();) {
    auto& f = it->second;
    if (now >= f.deadline_ms) {
      f.reply(error_result(controller_errc::request_timed_out, "no answer from the controller"));
    } else if (leader != consensus::no_node && leader != f.to) {
      // Its answer may never come (the old leader is gone); the client's
      // retry reaches the new one.
      f.reply(error_result(controller_errc::not_controller, "controller leadership moved"));
    } else {
      ++it;
      continue;
    }
    it = st.forwarded.erase(it);
  }
}

/// Queued commands past their deadline, or waiting too long for a leader.
void expire_queue(controller_self self, int64_t now, bool leader_known) {
  auto& st = self->state;
  auto wait = leader_wait(st.args);
  std::erase_if(st.queue, [&](queued_command& q) {
    if (now >= q.deadline_ms)
      q.reply(error_result(controller_errc::request_timed_out, "no controller answered in time"));
    else if (!leader_known && now - q.enqueued_ms >= wait)
      q.reply(error_result(controller_errc::not_controller, "no controller leader is known"));
    else
      return false;
    return true;
  });
}

void forward(controller_self self, queued_command& q, int32_t leader) {
  auto& st = self->state;
  auto id = st.next_forward_id++;
  st.forwarded[id] = forwarded_command{std::move(q.reply), leader, q.deadline_ms};
  controller_forward env{st.args.node_id, st.incarnation, id};
  auto m =
      std::visit([&](const auto& c) { return caf::make_message(controller_group, env, c); }, q.cmd);
  self->send(st.args.transport, peer_send_atom::value, leader, std::move(m));
}

struct planned {
  reply_fn reply;
  command_result result;
  int64_t deadline_ms;
};

/// One leader round: every queued command is planned against a scratch copy
/// of the image (so they see each other) and their records go into one batch.
void run_as_leader(controller_self self, int64_t now) {
  auto& st = self->state;
  auto scratch = st.image;
  std::vector<metadata::record> records;
  std::vector<planned> waiting;
  while (!st.queue.empty()) {
    auto q = std::move(st.queue.front());
    st.queue.pop_front();
    auto plan = plan_command(scratch, q.cmd, st.gen);
    if (plan.records.empty()) {
      q.reply(plan.result);
      continue;
    }
    records.insert(records.end(), plan.records.begin(), plan.records.end());
    waiting.push_back(planned{std::move(q.reply), std::move(plan.result), q.deadline_ms});
  }
  if (records.empty()) return;
  auto batch = metadata::encode_batch(records, now);
  auto res = st.replica->append(batch, now);
  for (auto& w : waiting) {
    if (res.error == 0)
      st.inflight.push_back(inflight_command{std::move(w.reply), w.result, res.last_offset,
                                             st.replica->epoch(), w.deadline_ms});
    else
      w.reply(error_result(res.error == consensus::errc::not_leader_or_follower
                               ? controller_errc::not_controller
                               : controller_errc::kafka_storage_error,
                           "the metadata log refused the append"));
  }
}

void route_queue(controller_self self, int64_t now) {
  auto& st = self->state;
  auto& r = *st.replica;
  auto leader = r.leader();
  expire_queue(self, now, leader != consensus::no_node);
  if (st.queue.empty()) return;
  if (r.role() == consensus::replica_role::leader) {
    // Plan only against an image that holds the whole log, so checks
    // (e.g. "topic exists") see every record appended before.
    if (st.applied == r.end_offset()) run_as_leader(self, now);
    return;
  }
  if (leader == consensus::no_node || leader == st.args.node_id) return;
  while (!st.queue.empty()) {
    auto q = std::move(st.queue.front());
    st.queue.pop_front();
    // A command forwarded to us is not forwarded again (no loops between
    // nodes with different views of the leader); its origin retries.
    if (q.from_peer)
      q.reply(error_result(controller_errc::not_controller, "not the controller leader"));
    else
      forward(self, q, leader);
  }
}

} // namespace

void enqueue(controller_self self, controller_command cmd, reply_fn reply, bool from_peer,
             int64_t timeout_ms) {
  auto& st = self->state;
  auto now = now_ms(self);
  auto timeout = timeout_ms > 0 ? timeout_ms : st.args.request_timeout_ms;
  st.queue.push_back(
      queued_command{std::move(cmd), std::move(reply), now, now + timeout, from_peer});
  after_step(self);
}

void pump_requests(controller_self self) {
  auto now = now_ms(self);
  finish_inflight(self, now);
  expire_forwarded(self, now);
  route_queue(self, now);
}

void fail_all(controller_self self, int16_t error, const std::string& message) {
  auto& st = self->state;
  auto res = error_result(error, message);
  auto queue = std::move(st.queue);
  auto inflight = std::move(st.inflight);
  auto forwarded = std::move(st.forwarded);
  for (auto& q : queue) q.reply(res);
  for (auto& c : inflight) c.reply(res);
  for (auto& [id, f] : forwarded) f.reply(res);
}

} // namespace caudal::actors
