// Entry points of the replica: construction, time, messages, client appends.
#include "consensus/replica.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace caudal::consensus {

replica::replica(replica_config cfg, replicated_log& log, quorum_store& store, uint64_t seed,
                 int64_t now_ms)
    : cfg_(std::move(cfg)), log_(log), store_(store), rng_(seed) {
  is_voter_ = is_voter_id(cfg_.self);
  update_config_id();
  state_ = store_.load();
  // Nothing is known to be committed after a restart beyond the log start;
  // the leader's HW raises it again.
  hw_ = log_.start_offset();
  now_ms_ = now_ms;
  // Fetch ids start at a random point so that a response addressed to an
  // earlier incarnation of this replica cannot match a new request.
  next_fetch_id_ = (rng_() >> 1) + 1;
  reset_election_timer(now_ms);
  // A lone voter has nobody to wait for: campaign on the first tick.
  if (is_voter_ && cfg_.voters.size() == 1) election_deadline_ = now_ms;
  bool pristine = state_.epoch == 0 && log_.end_offset() == log_.start_offset();
  if (is_voter_ && cfg_.campaign_at_start && pristine) election_deadline_ = now_ms;
}

bool replica::is_voter_id(node_id n) const {
  return std::find(cfg_.voters.begin(), cfg_.voters.end(), n) != cfg_.voters.end();
}

void replica::tick(int64_t now_ms) {
  if (failed_) return;
  now_ms_ = std::max(now_ms_, now_ms);
  switch (role_) {
  case replica_role::follower:
    follower_tick(now_ms);
    break;
  case replica_role::candidate:
    if (now_ms >= election_deadline_) {
      become_candidate(now_ms);
    } else if (now_ms >= vote_retry_ms_) {
      send_vote_requests(now_ms);
    }
    break;
  case replica_role::leader:
    break;
  }
  if (role_ != replica_role::leader || failed_) return;
  leader_flush();
  update_leader_hw();
  answer_parked(now_ms, false);
  check_quorum(now_ms);
  progress_transfer(now_ms);
  if (role_ == replica_role::leader) resend_begin_epoch(now_ms);
}

void replica::receive(const message& m, int64_t now_ms) {
  if (failed_) return;
  now_ms_ = std::max(now_ms_, now_ms);
  if (group_of(m) != cfg_.group) return;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, vote_request>) on_vote_request(x, now_ms);
        if constexpr (std::is_same_v<T, vote_response>) on_vote_response(x, now_ms);
        if constexpr (std::is_same_v<T, begin_epoch>) on_begin_epoch(x, now_ms);
        if constexpr (std::is_same_v<T, fetch_request>) on_fetch_request(x, now_ms);
        if constexpr (std::is_same_v<T, fetch_response>) on_fetch_response(x, now_ms);
      },
      m);
}

append_result replica::append(std::span<uint8_t> batches, int64_t now_ms) {
  append_result r;
  if (failed_) {
    r.error = errc::kafka_storage_error;
    return r;
  }
  now_ms_ = std::max(now_ms_, now_ms);
  // During a leadership transfer the target must be able to catch up.
  if (role_ != replica_role::leader || transfer_to_ != no_node) {
    r.error = errc::not_leader_or_follower;
    return r;
  }
  if (batches.empty()) {
    r.error = errc::corrupt_message; // callers validate batches; this one is cheap
    return r;
  }
  if (!log_.append_as_leader(batches, state_.epoch, r.base_offset, r.last_offset)) {
    fail("append_as_leader: " + log_.last_error());
    return append_result{errc::kafka_storage_error, -1, -1};
  }
  // Parked fetches are waiting for exactly this: new data.
  answer_parked(now_ms, true);
  update_leader_hw(); // a lone voter without flush_before_ack commits at once
  return r;
}

std::vector<outbound> replica::take_outbox() {
  std::vector<outbound> out;
  out.swap(outbox_);
  return out;
}

int64_t replica::fetch_timeout_ms() const {
  // The leader may hold a fetch for fetch_wait_ms; allow for the network.
  return cfg_.fetch_wait_ms + std::max<int64_t>(cfg_.fetch_wait_ms / 2, 50);
}

int64_t replica::next_deadline() const {
  constexpr int64_t never = std::numeric_limits<int64_t>::max();
  if (failed_) return never;
  switch (role_) {
  case replica_role::leader: {
    if (log_.flushed_offset() < log_.end_offset()) return now_ms_; // flush pending
    int64_t d = std::min(quorum_check_ms_, begin_epoch_retry_ms_);
    if (transfer_to_ != no_node) d = std::min(d, transfer_deadline_ms_);
    for (const auto& p : parked_) d = std::min(d, p.expires_ms);
    return d;
  }
  case replica_role::candidate:
    return std::min(election_deadline_, vote_retry_ms_);
  case replica_role::follower: {
    int64_t d = is_voter_ || leader_ != no_node ? election_deadline_ : never;
    int64_t f = inflight_id_ != 0 ? inflight_sent_ms_ + fetch_timeout_ms() : next_probe_ms_;
    return std::min(d, f);
  }
  }
  return never;
}

int64_t replica::end_offset() const { return log_.end_offset(); }

int64_t replica::log_start_offset() const { return log_.start_offset(); }

epoch_end replica::end_of_epoch(int32_t epoch) const { return log_.end_of_epoch(epoch); }

bool replica::in_sync(node_id n, int64_t now_ms) const {
  if (n == cfg_.self) return true;
  auto it = progress_.find(n);
  if (it == progress_.end()) return false;
  const auto& p = it->second;
  // Kafka's rule: a follower that stopped fetching leaves the ISR after
  // replica.lag.time.max.ms even when nothing new was written (an idle
  // partition would otherwise keep a dead replica in sync forever).
  if (now_ms - p.last_fetch_ms > cfg_.replica_lag_time_max_ms) return false;
  return p.acked_end >= hw_ || now_ms - p.caught_up_ms <= cfg_.replica_lag_time_max_ms;
}

std::vector<node_id> replica::in_sync_replicas(int64_t now_ms) const {
  std::vector<node_id> out;
  if (role_ != replica_role::leader) return out;
  for (node_id v : cfg_.voters)
    if (in_sync(v, now_ms)) out.push_back(v);
  // Observers being added (in the replica list) enter the ISR as soon as
  // they have caught up: that is what lets the controller make them voters.
  for (node_id r : cfg_.replicas)
    if (!is_voter_id(r) && in_sync(r, now_ms)) out.push_back(r);
  return out;
}

std::string replica::describe() const {
  std::ostringstream os;
  os << cfg_.group << "@" << cfg_.self << " " << to_string(role_) << (is_voter_ ? "" : "(observer)")
     << " epoch=" << state_.epoch << " voted=" << state_.voted_for << " leader=" << leader_
     << " hw=" << hw_ << " log=[" << log_.start_offset() << "," << log_.end_offset()
     << ") flushed=" << log_.flushed_offset() << " last_epoch=" << log_.last_epoch();
  if (failed_) os << " FAILED: " << failure_;
  return os.str();
}

} // namespace caudal::consensus
