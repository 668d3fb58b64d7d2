// Elections: vote requests/responses and begin_epoch.
#include "consensus/replica.h"

namespace caudal::consensus {

bool replica::log_up_to_date(int32_t last_epoch, int64_t end_offset) const {
  int32_t mine = log_.last_epoch();
  if (last_epoch != mine) return last_epoch > mine;
  return end_offset >= log_.end_offset();
}

void replica::send_vote_requests(int64_t now_ms) {
  for (node_id v : cfg_.voters) {
    if (v == cfg_.self || votes_.count(v) != 0) continue;
    post(v,
         vote_request{cfg_.group, state_.epoch, cfg_.self, log_.last_epoch(), log_.end_offset()});
  }
  // Requests or answers may be lost: ask the silent voters again later.
  vote_retry_ms_ = now_ms + std::max<int64_t>(cfg_.election_timeout_ms / 5, 1);
}

void replica::on_vote_request(const vote_request& m, int64_t now_ms) {
  // A misconfigured non-voter must not be able to bump everyone's epoch.
  if (!is_voter_id(m.candidate)) {
    post(m.candidate, vote_response{cfg_.group, state_.epoch, cfg_.self, false});
    return;
  }
  if (m.epoch > state_.epoch && !adopt_epoch(m.epoch, no_node, now_ms)) return;
  bool grant = false;
  if (m.epoch == state_.epoch && is_voter_) {
    // One vote per epoch, none once a leader of this epoch is known, and
    // only for a log at least as complete as ours (Raft's election rule).
    bool free = state_.voted_for == no_node || state_.voted_for == m.candidate;
    bool log_ok = faults_.grant_vote_ignoring_log || log_up_to_date(m.last_epoch, m.end_offset);
    grant = free && leader_ == no_node && role_ == replica_role::follower && log_ok;
  }
  if (grant && state_.voted_for == no_node) {
    if (!persist(quorum_state{state_.epoch, m.candidate})) return; // durable before answering
  }
  if (grant) reset_election_timer(now_ms);
  post(m.candidate, vote_response{cfg_.group, state_.epoch, cfg_.self, grant});
}

void replica::on_vote_response(const vote_response& m, int64_t now_ms) {
  if (m.epoch > state_.epoch) {
    adopt_epoch(m.epoch, no_node, now_ms);
    return;
  }
  if (m.epoch < state_.epoch || role_ != replica_role::candidate || !is_voter_id(m.voter)) return;
  votes_[m.voter] = m.granted;
  int granted = 0;
  for (const auto& [v, g] : votes_) granted += g ? 1 : 0;
  if (granted >= majority()) become_leader(now_ms);
}

void replica::on_begin_epoch(const begin_epoch& m, int64_t now_ms) {
  if (m.timeout_now) {
    // Leadership transfer: the leader of our epoch (possibly one that is no
    // longer a voter here) asks us to campaign now.
    bool ours = m.epoch == state_.epoch && (leader_ == m.leader || leader_ == no_node);
    if (ours && is_voter_ && role_ == replica_role::follower) become_candidate(now_ms);
    return;
  }
  if (m.epoch < state_.epoch || m.leader == cfg_.self || !is_voter_id(m.leader)) return;
  if (m.epoch > state_.epoch) {
    if (!adopt_epoch(m.epoch, m.leader, now_ms)) return;
  } else if (role_ == replica_role::leader) {
    return; // cannot happen: one leader per epoch
  } else if (leader_ != m.leader) {
    become_follower(m.leader, now_ms);
  }
  reset_election_timer(now_ms);
  // Start pulling from the new leader now unless a fetch to it is pending.
  if (inflight_id_ == 0 || inflight_to_ != leader_) send_fetch(now_ms);
}

} // namespace caudal::consensus
