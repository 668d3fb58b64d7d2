#include "actors/partition_replication.h"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/controller_messages.h"
#include "actors/error_codes.h"
#include "actors/metastore_quorum_store.h"
#include "actors/partition_raft_log.h"

namespace caudal::actors {
namespace {

constexpr int64_t ack_timeout_ms = 30000; // Kafka's default request.timeout.ms

struct pending_ack {
  int64_t need_hw = 0; // answered once the high watermark reaches this
  int32_t epoch = 0;   // ... in the epoch it was appended in
  int64_t deadline_ms = 0;
  append_reply reply;
  caf::typed_response_promise<append_reply> promise;
};

std::optional<consensus::message> to_consensus(const caf::message& m) {
  if (m.match_elements<consensus::fetch_request>()) return m.get_as<consensus::fetch_request>(0);
  if (m.match_elements<consensus::fetch_response>()) return m.get_as<consensus::fetch_response>(0);
  if (m.match_elements<consensus::vote_request>()) return m.get_as<consensus::vote_request>(0);
  if (m.match_elements<consensus::vote_response>()) return m.get_as<consensus::vote_response>(0);
  if (m.match_elements<consensus::begin_epoch>()) return m.get_as<consensus::begin_epoch>(0);
  return std::nullopt;
}

void rebuild_producer_state(partition_self self) {
  auto& st = self->state;
  auto g = producer_guard::open(*st.args.fs, *st.log);
  if (!g) {
    spdlog::error("{}: producer state rebuild failed: {}", st.log->dir(), g.error().message);
    return;
  }
  g->set_expiration_ms(st.args.producer_id_expiration_ms);
  st.producers = std::move(*g);
}

/// Records the idempotent batches a follower copied, so that the producer
/// state is ready when this replica becomes the leader.
void note_replicated(partition_self self, std::span<const uint8_t> batches) {
  auto& st = self->state;
  std::vector<protocol::batch_span> spans;
  if (protocol::split_batches(batches, spans) != protocol::batch_error::none || spans.empty())
    return;
  std::vector<protocol::batch_header> headers;
  for (auto& s : spans) headers.push_back(s.header);
  st.producers->after_append(headers, headers.front().base_offset, now_ms(self), *st.args.fs,
                             *st.log);
}

/// The storage adapter as the replica sees it, plus the producer state kept
/// in step with what followers copy and truncate.
class guarded_log final : public consensus::replicated_log {
public:
  guarded_log(consensus::replicated_log& inner, partition_self self) : inner_(inner), self_(self) {}

  int64_t start_offset() const override { return inner_.start_offset(); }
  int64_t end_offset() const override { return inner_.end_offset(); }
  int64_t flushed_offset() const override { return inner_.flushed_offset(); }
  int32_t last_epoch() const override { return inner_.last_epoch(); }
  consensus::epoch_end end_of_epoch(int32_t e) const override { return inner_.end_of_epoch(e); }
  bool read(int64_t offset, int32_t max_bytes, std::vector<uint8_t>& out) override {
    return inner_.read(offset, max_bytes, out);
  }
  bool append_as_leader(std::span<uint8_t> b, int32_t epoch, int64_t& base,
                        int64_t& last) override {
    return inner_.append_as_leader(b, epoch, base, last);
  }
  bool append_leader_marker(int32_t epoch, consensus::node_id leader) override {
    return inner_.append_leader_marker(epoch, leader);
  }
  bool append_replicated(std::span<const uint8_t> batches) override {
    if (!inner_.append_replicated(batches)) return false;
    note_replicated(self_, batches);
    return true;
  }
  bool truncate_to(int64_t offset) override { return rebuilt(inner_.truncate_to(offset)); }
  bool reset_to(int64_t offset) override { return rebuilt(inner_.reset_to(offset)); }
  bool flush() override { return inner_.flush(); }
  std::string last_error() const override { return inner_.last_error(); }

private:
  bool rebuilt(bool ok) {
    if (ok) rebuild_producer_state(self_);
    return ok;
  }
  consensus::replicated_log& inner_;
  partition_self self_;
};

append_reply error_reply(int16_t code, std::string message = {}) {
  append_reply r;
  r.error = code;
  r.message = std::move(message);
  return r;
}

} // namespace

struct partition_replication::impl {
  impl(partition_self self, const replication_args& a)
      : storage_log(
            *self->state.log, [self] { return now_ms(self); }, a.voters),
        log(storage_log, self), store(*a.meta, a.group) {}

  partition_raft_log storage_log;
  guarded_log log;
  metastore_quorum_store store;
  std::unique_ptr<consensus::replica> raft;
  std::vector<pending_ack> acks;
  // Leadership as the controller last confirmed it; one report in flight.
  std::optional<leader_report> confirmed;
  bool report_in_flight = false;
  // The image's view of us that arrived while a report was in flight: it is
  // judged once the answer confirms the report (the same metadata batch may
  // have accepted the report and then undone it, e.g. by fencing this node).
  std::optional<leader_report> view_during_report;
  bool tick_queued = false; // an immediate tick is in the mailbox
  int64_t report_retry_ms = 0;
  // Reassignment state from the image (set_replica_sets).
  bool reassigning = false;
  std::vector<int32_t> removing;
  uint64_t sets_version = 0; // bumped by every set_replica_sets
  bool draining = false;     // this node is decommissioned: lead elsewhere
};

partition_replication::partition_replication(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
partition_replication::~partition_replication() = default;

std::unique_ptr<partition_replication> partition_replication::open(partition_self self,
                                                                   std::string& error) {
  auto& a = *self->state.args.replication;
  if (!a.meta) return error = "replicated partition without a metastore", nullptr;
  auto p = std::make_unique<impl>(self, a);
  consensus::replica_config cfg;
  cfg.group = a.group;
  cfg.self = a.self;
  cfg.voters = a.voters;
  cfg.election_timeout_ms = a.election_timeout_ms;
  cfg.fetch_wait_ms = a.fetch_wait_ms;
  cfg.flush_before_ack = a.flush_before_ack;
  cfg.campaign_at_start = a.campaign_at_start;
  p->raft = std::make_unique<consensus::replica>(cfg, p->log, p->store, a.seed, now_ms(self));
  if (p->raft->failed()) return error = p->raft->failure(), nullptr;
  self->send(a.router, peer_register_atom::value, a.group, caf::actor{self});
  self->delayed_send(self, std::chrono::milliseconds{a.tick_interval_ms}, raft_tick_atom::value,
                     true);
  return std::unique_ptr<partition_replication>{new partition_replication(std::move(p))};
}

bool partition_replication::is_leader() const {
  return impl_->raft->role() == consensus::replica_role::leader && !impl_->raft->failed();
}
int64_t partition_replication::high_watermark() const { return impl_->raft->high_watermark(); }
int32_t partition_replication::leader_epoch() const { return impl_->raft->epoch(); }
consensus::epoch_end partition_replication::end_of_epoch(int32_t epoch) const {
  return impl_->raft->end_of_epoch(epoch);
}

void partition_replication::on_message(partition_self self, int32_t, const caf::message& m) {
  if (on_elastic(self, m)) return after_step(self);
  auto msg = to_consensus(m);
  if (!msg) return;
  impl_->raft->receive(*msg, now_ms(self));
  after_step(self);
}

void partition_replication::on_image_view(partition_self self, int32_t leader, int32_t epoch,
                                          std::vector<int32_t> isr) {
  auto& p = *impl_;
  if (!is_leader()) return;
  if (!p.confirmed) {
    if (p.report_in_flight) p.view_during_report = leader_report{{}, 0, leader, epoch, isr};
    return;
  }
  // The controller drops fenced nodes from a reported ISR. Report again when
  // the image lacks a member we reported: it settles, because a trimmed
  // report changes nothing in the image and so brings no new view, and the
  // cluster topic manager sends the view again when a node is unfenced —
  // without that, a replica added while its node was fenced never counted
  // as in sync and its reassignment never completed.
  auto& c = *p.confirmed;
  bool trimmed = std::any_of(c.isr.begin(), c.isr.end(), [&](int32_t r) {
    return std::find(isr.begin(), isr.end(), r) == isr.end();
  });
  if (leader == c.leader && epoch == c.leader_epoch && !trimmed) return;
  p.confirmed.reset(); // the image moved away from what we reported
  report_leadership(self);
}

void partition_replication::on_tick(partition_self self, bool periodic) {
  if (!periodic) impl_->tick_queued = false;
  impl_->raft->tick(now_ms(self));
  hand_over_if_leaving(self);
  hand_over_if_draining(self);
  after_step(self);
  if (!periodic) return;
  auto interval = self->state.args.replication->tick_interval_ms;
  self->delayed_send(self, std::chrono::milliseconds{interval}, raft_tick_atom::value, true);
}

/// Invalid client batches must be refused here: the replica treats any
/// failed append as a broken disk and stops.
std::optional<append_reply> refuse_invalid(partition_self self, std::span<const uint8_t> records) {
  auto v = self->state.log->validate(records);
  if (v) return std::nullopt;
  auto code = v.error().code == storage::errc::message_too_large ? error_code::message_too_large
              : v.error().message.find("magic") != std::string::npos
                  ? error_code::unsupported_for_message_format
                  : error_code::corrupt_message;
  return error_reply(code, v.error().message);
}

caf::result<append_reply> partition_replication::append(partition_self self, append_request& req) {
  auto& st = self->state;
  auto& raft = *impl_->raft;
  auto now = now_ms(self);
  if (!is_leader()) return error_reply(error_code::not_leader_or_follower);
  auto min_isr = static_cast<size_t>(st.args.replication->min_insync_replicas);
  if (req.acks == -1 && raft.in_sync_replicas(now).size() < min_isr)
    return error_reply(error_code::not_enough_replicas);
  if (auto bad = refuse_invalid(self, req.records)) return *bad;
  std::vector<protocol::batch_header> headers;
  if (auto early = st.producers->before_append(req.records, *st.log, headers)) {
    if (early->error != error_code::none || req.acks != -1) return *early;
    return await_commit(self, *early, early->base_offset + 1); // a retry: wait for the original
  }
  auto res = raft.append(std::span<uint8_t>{req.records}, now);
  if (res.error != error_code::none) {
    after_step(self);
    return error_reply(res.error, raft.failed() ? raft.failure() : std::string{});
  }
  st.producers->after_append(headers, res.base_offset, now, *st.args.fs, *st.log);
  append_reply rep;
  rep.base_offset = res.base_offset;
  rep.log_start_offset = st.log->log_start_offset();
  if (st.args.config.log_append_time) rep.log_append_time_ms = now;
  after_step(self);
  if (req.acks != -1) return rep;
  return await_commit(self, rep, res.last_offset + 1);
}

caf::result<append_reply> partition_replication::await_commit(partition_self self, append_reply rep,
                                                              int64_t need_hw) {
  if (impl_->raft->high_watermark() >= need_hw) return rep;
  pending_ack p;
  p.need_hw = need_hw;
  p.epoch = impl_->raft->epoch();
  p.deadline_ms = now_ms(self) + ack_timeout_ms;
  p.reply = std::move(rep);
  p.promise = self->make_response_promise<append_reply>();
  auto promise = p.promise;
  impl_->acks.push_back(std::move(p));
  return promise;
}

/// acks=all answers: committed -> the reply; leadership lost -> the producer
/// retries elsewhere (idempotence makes the retry safe); too late -> timeout.
void partition_replication::settle_acks(partition_self self) {
  auto& raft = *impl_->raft;
  auto now = now_ms(self);
  bool leading = is_leader();
  std::erase_if(impl_->acks, [&](pending_ack& p) {
    if (raft.high_watermark() >= p.need_hw)
      p.promise.deliver(p.reply);
    else if (!leading || raft.epoch() != p.epoch)
      p.promise.deliver(error_reply(error_code::not_leader_or_follower));
    else if (now >= p.deadline_ms)
      p.promise.deliver(error_reply(error_code::request_timed_out));
    else
      return false;
    return true;
  });
}

void partition_replication::after_step(partition_self self) {
  auto& a = *self->state.args.replication;
  for (auto& out : impl_->raft->take_outbox())
    std::visit(
        [&](auto& m) {
          self->send(a.transport, peer_send_atom::value, out.to, caf::make_message(std::move(m)));
        },
        out.msg);
  settle_acks(self);
  wake_waiters(self->state, now_ms(self));
  report_leadership(self);
  // The leader flushes in tick(): ask for it right after the appends already
  // queued in the mailbox, so one fsync covers them all (group commit).
  if (!impl_->tick_queued && impl_->raft->next_deadline() <= now_ms(self)) {
    impl_->tick_queued = true;
    self->send(self, raft_tick_atom::value, false);
  }
}

void partition_replication::stop(partition_self self) {
  auto& a = *self->state.args.replication;
  self->send(a.router, peer_unregister_atom::value, a.group);
  for (auto& p : impl_->acks) p.promise.deliver(error_reply(error_code::not_leader_or_follower));
  impl_->acks.clear();
}

namespace {

bool same_report(const leader_report& a, const leader_report& b) {
  return a.leader == b.leader && a.leader_epoch == b.leader_epoch && a.isr == b.isr;
}

} // namespace

/// Metadata responses show the leader and ISR the controller knows, so the
/// leader tells it after every change (one report at a time, retried).
void partition_replication::report_leadership(partition_self self) {
  auto& st = self->state;
  auto& p = *impl_;
  auto now = now_ms(self);
  if (!is_leader() || !st.args.replication->controller || p.report_in_flight ||
      now < p.report_retry_ms)
    return;
  leader_report r{st.args.topic, st.args.partition, st.args.replication->self, p.raft->epoch(),
                  reported_isr(now)};
  if (!completion_ready()) return;
  std::sort(r.isr.begin(), r.isr.end());
  if (p.confirmed && same_report(*p.confirmed, r)) return;
  p.report_in_flight = true;
  p.view_during_report.reset();
  // Short: a report stuck behind a dead controller leader keeps Metadata
  // naming the old leader; retrying soon reaches the new controller.
  self->request(st.args.replication->controller, std::chrono::seconds{2}, report_atom::value, r)
      .then(
          [self, r, version = p.sets_version](int16_t error) {
            if (!self->state.replication) return; // dropped meanwhile
            auto& rep = self->state.replication->impl_;
            rep->report_in_flight = false;
            // A reassignment step that arrived meanwhile wants a report of
            // its own: the controller judged this one on the previous image.
            auto view = std::exchange(rep->view_during_report, std::nullopt);
            if (error == 0 && version == rep->sets_version) {
              rep->confirmed = r;
              if (view)
                self->state.replication->on_image_view(self, view->leader, view->leader_epoch,
                                                       view->isr);
            } else if (error == 0)
              rep->confirmed.reset();
            else
              rep->report_retry_ms = now_ms(self) + 500;
          },
          [self](caf::error&) {
            if (!self->state.replication) return;
            auto& rep = self->state.replication->impl_;
            rep->report_in_flight = false;
            rep->view_during_report.reset();
            rep->report_retry_ms = now_ms(self) + 500;
          });
}

namespace {

bool same_set(std::vector<int32_t> a, std::vector<int32_t> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

std::vector<int32_t> partition_replication::reported_isr(int64_t now) const {
  auto isr = impl_->raft->in_sync_replicas(now);
  if (!impl_->reassigning) return isr;
  // The controller makes an ISR observer a voter: only once it holds every
  // committed entry (consensus/README.md, Voter changes, rule 2).
  auto holding = impl_->raft->replicas_holding_committed();
  const auto& voters = impl_->raft->voters();
  std::erase_if(isr, [&](int32_t r) { return !has(voters, r) && !has(holding, r); });
  return isr;
}

/// During a move whose replicas all vote already, the next report may
/// complete it (removing the leaving ones): send it only once every target
/// holds every committed entry under our voter set (rule 2).
bool partition_replication::completion_ready() const {
  auto& p = *impl_;
  if (!p.reassigning) return true;
  auto holding = p.raft->replicas_holding_committed();
  for (auto r : p.raft->replicas()) {
    if (has(p.removing, r)) continue;
    if (!has(p.raft->voters(), r)) return true; // an add is pending: not a completion
    if (!has(holding, r)) return false;
  }
  return true;
}

void partition_replication::set_replica_sets(partition_self self, std::vector<int32_t> replicas,
                                             std::vector<int32_t> voters,
                                             std::vector<int32_t> removing) {
  auto& p = *impl_;
  auto now = now_ms(self);
  p.reassigning = !removing.empty() || !same_set(replicas, voters);
  p.removing = std::move(removing);
  p.raft->set_replicas(std::move(replicas));
  if (!same_set(voters, p.raft->voters())) {
    p.storage_log.set_voters(voters);
    p.raft->set_voters(std::move(voters), now);
  }
  // Every image step of a reassignment waits for a leader report; report
  // again even if the ISR did not change.
  p.confirmed.reset();
  ++p.sets_version;
  hand_over_if_leaving(self);
  after_step(self);
}

/// Leadership moves before the leader's replica is removed, so producers see
/// one NOT_LEADER_OR_FOLLOWER and not an election timeout.
void partition_replication::hand_over_if_leaving(partition_self self) {
  auto& p = *impl_;
  auto me = self->state.args.replication->self;
  if (!is_leader() || !has(p.removing, me) || p.raft->transferring_to() != consensus::no_node)
    return;
  const auto& replicas = p.raft->replicas();
  for (auto r : replicas)
    if (!has(p.removing, r) && !has(p.raft->voters(), r)) return; // targets not all voters yet
  auto holding = p.raft->replicas_holding_committed();
  for (auto v : p.raft->voters())
    if (v != me && !has(p.removing, v) && has(holding, v)) {
      p.raft->transfer_leadership(v, now_ms(self));
      return;
    }
}

namespace {

/// A voter that may take over: caught up (holds every committed entry) and
/// not leaving the partition.
bool can_take_over(const consensus::replica& raft, const std::vector<int32_t>& removing, int32_t v,
                   int32_t me) {
  auto holding = raft.replicas_holding_committed();
  return v != me && has(raft.voters(), v) && !has(removing, v) && has(holding, v);
}

} // namespace

bool partition_replication::on_elastic(partition_self self, const caf::message& m) {
  auto& p = *impl_;
  if (m.match_elements<std::string, drain_atom>()) {
    p.draining = true;
    hand_over_if_draining(self);
    return true;
  }
  if (!m.match_elements<std::string, elect_atom, int32_t>()) return false;
  // ElectLeaders (preferred): only a leader hands over, only to a caught-up
  // voter; otherwise the asking node times out and says why.
  auto target = m.get_as<int32_t>(2);
  auto me = self->state.args.replication->self;
  if (is_leader() && p.raft->transferring_to() == consensus::no_node &&
      can_take_over(*p.raft, p.removing, target, me))
    p.raft->transfer_leadership(target, now_ms(self));
  return true;
}

/// A decommissioned node's leaders hand over at once (the preferred replica
/// first), before their replicas are moved away; checked at every tick, as
/// a drained node may win a later election while it still votes.
void partition_replication::hand_over_if_draining(partition_self self) {
  auto& p = *impl_;
  if (!p.draining || !is_leader() || p.raft->transferring_to() != consensus::no_node) return;
  auto me = self->state.args.replication->self;
  for (auto r : p.raft->replicas())
    if (can_take_over(*p.raft, p.removing, r, me)) {
      p.raft->transfer_leadership(r, now_ms(self));
      return;
    }
}

} // namespace caudal::actors
