// The follower's (and observer's) side: pulling from the leader.
#include "consensus/replica.h"

#include <algorithm>

namespace caudal::consensus {

node_id replica::fetch_target() {
  if (leader_ != no_node && leader_ != cfg_.self) return leader_;
  // Leader unknown: ask the voters in turn; any of them may name it.
  size_t n = cfg_.voters.size();
  for (size_t i = 0; i < n; ++i) {
    node_id v = cfg_.voters[probe_index_++ % n];
    if (v != cfg_.self) return v;
  }
  return no_node;
}

void replica::follower_tick(int64_t now_ms) {
  if (now_ms >= election_deadline_) {
    if (is_voter_) {
      become_candidate(now_ms);
      return;
    }
    // An observer gets no begin_epoch: when its leader has been silent for
    // an election timeout, it looks for the leader again.
    leader_ = no_node;
    clear_inflight();
    reset_election_timer(now_ms);
  }
  maybe_send_fetch(now_ms);
}

void replica::clear_inflight() {
  inflight_id_ = 0;
  superseded_.clear();
}

bool replica::match_response(uint64_t id, node_id& from) {
  if (inflight_id_ == 0) return false;
  if (id == inflight_id_) {
    from = inflight_to_;
    return true;
  }
  for (const auto& [old_id, to] : superseded_) {
    if (old_id == id) {
      from = to;
      return true;
    }
  }
  return false;
}

void replica::maybe_send_fetch(int64_t now_ms) {
  if (role_ != replica_role::follower) return;
  if (inflight_id_ == 0) {
    if (now_ms >= next_probe_ms_) send_fetch(now_ms);
  } else if (now_ms >= inflight_sent_ms_ + fetch_timeout_ms()) {
    send_fetch(now_ms); // lost request or response: retry under a new id
  }
}

void replica::send_fetch(int64_t now_ms) {
  if (role_ != replica_role::follower) return;
  node_id to = fetch_target();
  if (to == no_node) {
    next_probe_ms_ = now_ms + cfg_.fetch_wait_ms; // nobody to ask; do not spin
    return;
  }
  // Our fetch offset acknowledges everything below it: make that durable.
  if (cfg_.flush_before_ack && log_.flushed_offset() < log_.end_offset() && !log_.flush()) {
    fail("flush: " + log_.last_error());
    return;
  }
  if (inflight_id_ != 0) {
    superseded_.emplace_back(inflight_id_, inflight_to_);
    if (superseded_.size() > 4) superseded_.erase(superseded_.begin());
  }
  inflight_id_ = next_fetch_id_++;
  inflight_to_ = to;
  inflight_sent_ms_ = now_ms;
  post(to, fetch_request{cfg_.group, state_.epoch, cfg_.self, log_.end_offset(), log_.last_epoch(),
                         cfg_.fetch_max_bytes, inflight_id_, config_id_});
}

void replica::on_fetch_response(const fetch_response& m, int64_t now_ms) {
  if (m.epoch > state_.epoch) {
    // A newer epoch exists (our request was fenced, or the responder knows
    // more). Data never comes with a different epoch, so just follow it.
    if (!adopt_epoch(m.epoch, m.leader, now_ms)) return;
    if (leader_ != no_node) send_fetch(now_ms);
    return;
  }
  node_id from = no_node;
  if (role_ != replica_role::follower || !match_response(m.id, from))
    return; // duplicate, stale, or not ours to act on
  clear_inflight();
  bool from_leader = m.epoch == state_.epoch && m.leader == from && from != cfg_.self;
  if (!from_leader || m.error == errc::not_leader_or_follower) {
    // Learn the leader if the responder names one for our epoch.
    if (m.epoch == state_.epoch && m.leader != no_node && m.leader != cfg_.self && m.leader != from)
      leader_ = m.leader;
    else if (leader_ == from)
      leader_ = no_node; // it no longer leads
    if (leader_ != no_node) {
      send_fetch(now_ms);
    } else {
      next_probe_ms_ = now_ms + std::max<int64_t>(cfg_.fetch_wait_ms / 5, 1);
    }
    return;
  }
  leader_ = from;
  reset_election_timer(now_ms); // a live leader of our epoch answered
  if (m.error == errc::offset_out_of_range) {
    if (!log_.reset_to(m.log_start_offset)) return fail("reset_to: " + log_.last_error());
  } else if (m.error != errc::none) {
    next_probe_ms_ = now_ms + std::max<int64_t>(cfg_.fetch_wait_ms / 5, 1);
    return;
  } else if (m.diverging.end_offset >= 0) {
    handle_divergence(m.diverging);
  } else {
    handle_fetch_data(m, now_ms);
  }
  if (!failed_) send_fetch(now_ms);
}

void replica::handle_fetch_data(const fetch_response& m, int64_t now_ms) {
  (void)now_ms;
  if (!m.records.empty() && !log_.append_replicated(m.records)) {
    fail("append_replicated: " + log_.last_error());
    return;
  }
  set_follower_hw(m.high_watermark);
}

void replica::handle_divergence(const epoch_end& d) {
  // Truncate to where our history and the leader's can still agree; the
  // next fetch re-validates from there (KRaft's diverging-epoch walk).
  int64_t target = d.end_offset;
  if (d.epoch >= 0) {
    epoch_end own = log_.end_of_epoch(d.epoch);
    target = std::min(target, own.epoch < 0 ? log_.start_offset() : own.end_offset);
  }
  target = std::min(target, log_.end_offset());
  bool ok = target < log_.start_offset() ? log_.reset_to(target) : log_.truncate_to(target);
  if (!ok) fail("truncate: " + log_.last_error());
}

void replica::set_follower_hw(int64_t leader_hw) { set_hw(std::min(leader_hw, log_.end_offset())); }

} // namespace caudal::consensus
