// The controller actor: lifecycle, behaviour and the Raft pump (see
// controller_actor.h). Commands live in controller_requests.cpp and
// controller_remote.cpp, the image in controller_apply.cpp.

#include "actors/controller_actor.h"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/controller_state.h"
#include "actors/metastore_quorum_store.h"
#include "actors/partition_raft_log.h"

namespace caudal::actors {

controller_state::~controller_state() {
  replica.reset();
  log.reset();
  if (plog) (void)plog->close(); // the next start then checks only the last segment
}

int64_t now_ms(controller_self self) { return self->state.args.clock.now_ms(self->clock()); }

namespace {

void send_outbox(controller_self self) {
  auto& st = self->state;
  for (auto& o : st.replica->take_outbox())
    self->send(st.args.transport, peer_send_atom::value, o.to, pack_consensus(o.msg));
}

/// A storage error fail-stops the replica; the controller stops with it
/// rather than serve a log it cannot trust.
void fail_stop(controller_self self, const std::string& why) {
  auto& st = self->state;
  spdlog::critical("controller of node {}: {}", st.args.node_id, why);
  st.stopped = true;
  fail_all(self, controller_errc::kafka_storage_error, why);
  self->quit(caf::make_error(caf::sec::runtime_error, why));
}

controller_status status_of(controller_state& st) {
  auto& r = *st.replica;
  return controller_status{
      st.args.node_id, r.leader(),    r.epoch(),      to_string(r.role()),    r.high_watermark(),
      st.applied,      st.registered, st.incarnation, st.log->start_offset(), st.snapshot_offset};
}

void on_peer(controller_self self, int32_t from, const caf::message& m) {
  // Every node fetches the metadata log all the time: its heartbeat.
  self->state.last_seen[from] = now_ms(self);
  if (auto c = unpack_consensus(m)) {
    self->state.replica->receive(*c, now_ms(self));
  } else if (m.match_elements<std::string, controller_answer>()) {
    on_answer(self, m.get_as<controller_answer>(1));
  } else if (m.match_elements<std::string, metadata_snapshot_request>()) {
    on_snapshot_request(self, m.get_as<metadata_snapshot_request>(1));
    return;
  } else if (m.match_elements<std::string, metadata_snapshot_answer>()) {
    on_snapshot_answer(self, from, m.get_as<metadata_snapshot_answer>(1));
  } else {
    on_forwarded(self, from, m);
    return; // enqueue() stepped already
  }
  after_step(self);
}

caf::behavior controller_behavior(controller_self self) {
  return {
      [=](command_atom, controller_command& cmd) -> caf::result<command_result> {
        auto rp = self->make_response_promise<command_result>();
        enqueue(
            self, std::move(cmd), [rp](const command_result& r) mutable { rp.deliver(r); }, false);
        return rp;
      },
      [=](report_atom, leader_report& r) -> caf::result<int16_t> {
        auto rp = self->make_response_promise<int16_t>();
        enqueue(
            self, std::move(r), [rp](const command_result& res) mutable { rp.deliver(res.error); },
            false);
        return rp;
      },
      [=](subscribe_atom, caf::actor& s) { add_subscriber(self, std::move(s)); },
      [=](status_atom) { return status_of(self->state); },
      [=](peer_deliver_atom, int32_t from, const caf::message& m) { on_peer(self, from, m); },
      [=](raft_tick_atom) {
        auto& st = self->state;
        st.replica->tick(now_ms(self));
        after_step(self);
        if (!st.stopped) check_sessions(self);
        if (!st.stopped)
          self->delayed_send(self, std::chrono::milliseconds(st.args.tick_interval_ms),
                             raft_tick_atom::value);
      },
  };
}

void forget_subscriber(controller_self self, const caf::down_msg& dm) {
  std::erase_if(self->state.subscribers,
                [&](const caf::actor& s) { return s.address() == dm.source; });
}

caf::behavior controller_init(controller_self self, controller_args args,
                              std::shared_ptr<storage::partition_log> plog) {
  auto& st = self->state;
  st.args = std::move(args);
  st.plog = std::move(plog);
  st.gen.seed(st.args.seed);
  st.incarnation = st.gen();
  st.log = std::make_unique<partition_raft_log>(
      *st.plog, [self] { return now_ms(self); }, st.args.voters);
  st.votes = std::make_unique<metastore_quorum_store>(*st.args.meta, controller_group);
  consensus::replica_config rc;
  rc.group = controller_group;
  rc.self = st.args.node_id;
  rc.voters = st.args.voters;
  rc.election_timeout_ms = st.args.election_timeout_ms;
  rc.fetch_wait_ms = st.args.fetch_wait_ms;
  rc.flush_before_ack = st.args.flush_before_ack;
  // A seed of its own for the replica, so elections do not shift with the
  // number of topic ids drawn.
  st.replica = std::make_unique<consensus::replica>(
      rc, *st.log, *st.votes, st.args.seed ^ 0x9e3779b97f4a7c15ULL, now_ms(self));
  st.snapshots = std::make_unique<metadata_snapshot_files>(*st.args.fs, st.plog->dir());
  if (!load_local_snapshot(self)) {
    st.stopped = true;
    self->quit(caf::make_error(caf::sec::runtime_error, "cannot read the metadata snapshots"));
    return {};
  }
  self->set_down_handler([self](caf::down_msg& dm) { forget_subscriber(self, dm); });
  self->send(st.args.router, peer_register_atom::value, controller_group,
             caf::actor_cast<caf::actor>(self));
  self->send(self, raft_tick_atom::value);
  return controller_behavior(self);
}

} // namespace

void after_step(controller_self self) {
  auto& st = self->state;
  if (st.stopped) return;
  // An append leaves the leader's flush pending (its HW counts flushed
  // data only): run the replica's due work now, not at the next timer, so a
  // command commits within a network round trip. Bounded: a few rounds.
  for (int round = 0; round < 3; ++round) {
    if (st.replica->failed()) return fail_stop(self, st.replica->failure());
    // An image waiting for a snapshot applies nothing (and, on a leader,
    // plans nothing: route_queue waits for applied == log end).
    if (!await_snapshot(self) && !apply_committed(self))
      return fail_stop(self, "cannot read the metadata log");
    if (!maybe_take_snapshot(self)) return fail_stop(self, "cannot delete the metadata log prefix");
    pump_requests(self);
    auto now = now_ms(self);
    if (st.replica->next_deadline() > now) break;
    st.replica->tick(now);
  }
  send_outbox(self); // after the pump: an append may answer parked fetches
  // Every new leader hears from every node again (a no-op record-wise when
  // its image already has this incarnation).
  if (st.replica->leader() != st.published_leader) st.registered = false;
  check_own_registration(self);
  publish_if_changed(self);
  maybe_register(self);
}

caf::actor spawn_controller(caf::actor_system& sys, controller_args args, std::string& error) {
  if (!args.fs || !args.meta) {
    error = "controller needs a filesystem and a metastore";
    return {};
  }
  storage::log_config cfg;
  cfg.retention_ms = -1; // never deleted by age or size: snapshots replace its prefix
  cfg.retention_bytes = -1;
  // Segments of about one snapshot interval, so the deleted prefix leaves
  // the disk soon after (deletion frees whole segments only).
  if (args.snapshot_interval_bytes > 0)
    cfg.segment_bytes = std::clamp<int64_t>(args.snapshot_interval_bytes, 4096, cfg.segment_bytes);
  auto dir = storage::partition_dir(args.log_dir, "__cluster_metadata", 0);
  auto plog = storage::partition_log::open(*args.fs, dir, cfg, args.clock.now_ms(sys.clock()));
  if (!plog) {
    error = "cannot open " + dir + ": " + plog.error().message;
    return {};
  }
  std::shared_ptr<storage::partition_log> shared{std::move(*plog)};
  return sys.spawn(controller_init, std::move(args), std::move(shared));
}

} // namespace caudal::actors
