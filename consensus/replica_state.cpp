// Role transitions and the durable hard state.
#include "consensus/replica.h"

namespace caudal::consensus {

void replica::fail(const std::string& what) {
  // Fail-stop: after a storage error the replica's view of its own log or
  // vote is unknown, and acting on it could break safety.
  failed_ = true;
  failure_ = what;
  outbox_.clear();
  parked_.clear();
}

bool replica::persist(quorum_state s) {
  if (!store_.save(s)) {
    fail("quorum store: save failed");
    return false;
  }
  state_ = s;
  return true;
}

void replica::reset_election_timer(int64_t now_ms) {
  // Randomized in [t, 2t) so that split votes resolve.
  int64_t t = std::max<int64_t>(cfg_.election_timeout_ms, 1);
  std::uniform_int_distribution<int64_t> jitter(0, t - 1);
  election_deadline_ = now_ms + t + jitter(rng_);
}

void replica::release_parked() {
  // Fetchers held by a leader that stops leading learn it now rather than
  // after their retransmit timeout.
  for (auto& p : parked_) post(p.from, response_for(p.req, errc::not_leader_or_follower));
  parked_.clear();
}

bool replica::adopt_epoch(int32_t epoch, node_id leader, int64_t now_ms) {
  if (!persist(quorum_state{epoch, no_node})) return false;
  // The election timer counts from the last word of a leader (or a vote we
  // granted); news of a newer epoch is neither, so a follower keeps its
  // running timer. Restarting it let a voter with a stale log, which can
  // never win, postpone every up-to-date voter's campaign each time it
  // campaigned itself: when it kept drawing the shortest timeout, the group
  // stayed leaderless (sim seed 3959: 7 such rounds, 10 s without a leader).
  // A leader or candidate stepping down starts a fresh timer.
  bool was_following = role_ == replica_role::follower;
  int64_t running = election_deadline_;
  become_follower(leader == cfg_.self ? no_node : leader, now_ms);
  if (was_following) election_deadline_ = running;
  return true;
}

void replica::become_follower(node_id leader, int64_t now_ms) {
  if (role_ == replica_role::leader) release_parked();
  role_ = replica_role::follower;
  leader_ = leader;
  transfer_to_ = no_node;
  votes_.clear();
  progress_.clear();
  parked_.clear();
  clear_inflight();
  next_probe_ms_ = now_ms;
  reset_election_timer(now_ms);
}

void replica::resign(int64_t now_ms) {
  // Same epoch, leader unknown: this node keeps its vote (for itself), so it
  // cannot lead this epoch again; someone campaigns for the next one.
  become_follower(no_node, now_ms);
}

void replica::become_candidate(int64_t now_ms) {
  if (!is_voter_) return;
  if (role_ == replica_role::leader) release_parked();
  transfer_to_ = no_node;
  // Vote for ourselves durably before asking anyone else.
  if (!persist(quorum_state{state_.epoch + 1, cfg_.self})) return;
  role_ = replica_role::candidate;
  leader_ = no_node;
  progress_.clear();
  parked_.clear();
  clear_inflight();
  votes_.clear();
  votes_[cfg_.self] = true;
  reset_election_timer(now_ms);
  if (majority() <= 1) {
    become_leader(now_ms);
    return;
  }
  send_vote_requests(now_ms);
}

void replica::become_leader(int64_t now_ms) {
  role_ = replica_role::leader;
  leader_ = cfg_.self;
  transfer_to_ = no_node;
  votes_.clear();
  clear_inflight();
  // Entries of earlier epochs are committed only together with this epoch's
  // marker (Raft's "commit only entries of the current term").
  epoch_start_offset_ = log_.end_offset();
  if (!log_.append_leader_marker(state_.epoch, cfg_.self)) {
    fail("append_leader_marker: " + log_.last_error());
    return;
  }
  progress_.clear();
  parked_.clear();
  for (node_id v : cfg_.voters) progress_[v] = peer_progress{};
  leader_since_ms_ = now_ms;
  quorum_check_ms_ = now_ms + cfg_.election_timeout_ms;
  begin_epoch_retry_ms_ = now_ms;
  resend_begin_epoch(now_ms);
  update_leader_hw();
}

void replica::set_hw(int64_t hw) {
  if (hw <= hw_) return; // monotonic inside one replica object
  hw_ = hw;
  // Parked fetchers wait for a HW change as well as for data.
  if (role_ == replica_role::leader) answer_parked(now_ms_, true);
}

} // namespace caudal::consensus
