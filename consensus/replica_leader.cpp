// The leader's side: serving fetches, the high watermark, check-quorum.
#include "consensus/replica.h"

#include <algorithm>

namespace caudal::consensus {

fetch_response replica::response_for(const fetch_request& m, int16_t error) const {
  fetch_response r;
  r.group = cfg_.group;
  r.epoch = state_.epoch;
  r.leader = leader_;
  r.error = error;
  r.high_watermark = hw_;
  r.log_start_offset = log_.start_offset();
  r.id = m.id;
  return r;
}

void replica::answer_fetch(node_id to, const fetch_request& m, fetch_response resp) {
  (void)m;
  resp.high_watermark = hw_;
  resp.log_start_offset = log_.start_offset();
  progress_[to].hw_sent = hw_;
  post(to, std::move(resp));
}

void replica::on_fetch_request(const fetch_request& m, int64_t now_ms) {
  if (m.epoch > state_.epoch && !adopt_epoch(m.epoch, no_node, now_ms)) return;
  if (m.epoch < state_.epoch) {
    post(m.replica, response_for(m, errc::fenced_leader_epoch));
    return;
  }
  if (role_ != replica_role::leader) {
    // Name the leader if we know it: that is how observers find it.
    post(m.replica, response_for(m, errc::not_leader_or_follower));
    return;
  }
  // A newer fetch supersedes whatever this replica had parked here; an older
  // one (a late duplicate: a follower's log only grows while it matches
  // ours) must not displace the fetch its sender is waiting on.
  for (const auto& p : parked_)
    if (p.from == m.replica && m.fetch_offset < p.req.fetch_offset) return;
  std::erase_if(parked_, [&](const parked_fetch& p) { return p.from == m.replica; });
  // Any fetch of our epoch shows the replica is alive (check-quorum), even
  // one that is still walking back a divergent suffix.
  progress_[m.replica].last_fetch_ms = now_ms;
  fetch_response resp = response_for(m, errc::none);
  if (!validate_fetch(m, resp)) {
    answer_fetch(m.replica, m, std::move(resp));
    return;
  }
  record_progress(m, now_ms);
  update_leader_hw();
  progress_transfer(now_ms);
  if (m.fetch_offset < log_.end_offset() &&
      !log_.read(m.fetch_offset, std::max(m.max_bytes, 1), resp.records)) {
    fail("read: " + log_.last_error());
    return;
  }
  // Caught up and already told the current HW: hold the fetch (long poll).
  if (resp.records.empty() && progress_[m.replica].hw_sent == hw_) {
    parked_.push_back(parked_fetch{m.replica, m, now_ms + cfg_.fetch_wait_ms});
    return;
  }
  answer_fetch(m.replica, m, std::move(resp));
}

bool replica::validate_fetch(const fetch_request& m, fetch_response& resp) {
  int64_t start = log_.start_offset();
  int64_t end = log_.end_offset();
  if (m.fetch_offset < start) {
    resp.error = errc::offset_out_of_range;
    return false;
  }
  if (m.last_fetched_epoch < 0) {
    // An empty follower log starting at fetch_offset: fine unless it starts
    // beyond our end.
    if (m.fetch_offset <= end) return true;
    resp.diverging = epoch_end{log_.last_epoch(), end};
    return false;
  }
  epoch_end ee = log_.end_of_epoch(m.last_fetched_epoch);
  if (ee.epoch == m.last_fetched_epoch && ee.end_offset >= m.fetch_offset) return true;
  if (ee.epoch < 0 && m.fetch_offset == start && start > 0) {
    // The follower's last epoch ended exactly where our log now starts: the
    // deleted prefix cannot confirm its history, and a divergence answer
    // ("truncate to the start") would change nothing and repeat forever.
    // Everything below our start is committed; it restarts its log here.
    resp.error = errc::offset_out_of_range;
    return false;
  }
  // The follower's log ends in an epoch we do not have, or runs past our end
  // of it: tell it where our history for that epoch ends.
  resp.diverging = ee.epoch < 0 ? epoch_end{-1, start} : ee;
  return false;
}

void replica::record_progress(const fetch_request& m, int64_t now_ms) {
  auto& p = progress_[m.replica];
  // A validated fetch offset means the follower's log matches ours below it
  // (and, with flush_before_ack, that prefix is durable there).
  p.acked_end = m.fetch_offset;
  p.config = m.config;
  if (m.fetch_offset >= log_.end_offset()) p.caught_up_ms = now_ms;
}

void replica::update_leader_hw() {
  if (role_ != replica_role::leader || failed_) return;
  bool flushed_only = cfg_.flush_before_ack && !faults_.count_unflushed_leader_end;
  std::vector<int64_t> ends;
  for (node_id v : cfg_.voters) {
    if (v == cfg_.self) {
      ends.push_back(flushed_only ? log_.flushed_offset() : log_.end_offset());
    } else {
      auto it = progress_.find(v);
      ends.push_back(it == progress_.end() ? -1 : it->second.acked_end);
    }
  }
  std::sort(ends.begin(), ends.end(), std::greater<>());
  int64_t n = ends[static_cast<size_t>(majority() - 1)];
  // Only once this epoch's marker is committed (n > its offset).
  if (n > epoch_start_offset_ || faults_.commit_before_marker) set_hw(n);
}

void replica::answer_parked(int64_t now_ms, bool all) {
  std::vector<parked_fetch> due;
  std::vector<parked_fetch> keep;
  for (auto& p : parked_) (all || now_ms >= p.expires_ms ? due : keep).push_back(std::move(p));
  parked_ = std::move(keep);
  for (auto& p : due) {
    fetch_response resp = response_for(p.req, errc::none);
    if (p.req.fetch_offset < log_.end_offset() &&
        !log_.read(p.req.fetch_offset, std::max(p.req.max_bytes, 1), resp.records)) {
      fail("read: " + log_.last_error());
      return;
    }
    answer_fetch(p.from, p.req, std::move(resp));
  }
}

void replica::leader_flush() {
  if (log_.flushed_offset() >= log_.end_offset()) return;
  if (!log_.flush()) fail("flush: " + log_.last_error());
}

void replica::check_quorum(int64_t now_ms) {
  if (now_ms < quorum_check_ms_) return;
  quorum_check_ms_ = now_ms + std::max<int64_t>(cfg_.election_timeout_ms / 4, 1);
  if (now_ms - leader_since_ms_ < cfg_.election_timeout_ms) return;
  int heard = 0;
  for (node_id v : cfg_.voters) {
    if (v == cfg_.self) {
      ++heard;
      continue;
    }
    auto it = progress_.find(v);
    if (it != progress_.end() && now_ms - it->second.last_fetch_ms < cfg_.election_timeout_ms)
      ++heard;
  }
  // A leader cut off from a majority must stop taking writes it cannot commit.
  if (heard < majority()) resign(now_ms);
}

void replica::resend_begin_epoch(int64_t now_ms) {
  if (now_ms < begin_epoch_retry_ms_) return;
  begin_epoch_retry_ms_ = now_ms + std::max<int64_t>(cfg_.election_timeout_ms / 4, 1);
  // Voters that have not fetched lately may not know us (lost begin_epoch,
  // restart); a fetching voter needs nothing.
  for (node_id v : cfg_.voters) {
    if (v == cfg_.self) continue;
    const auto& p = progress_[v];
    if (p.last_fetch_ms < leader_since_ms_ || now_ms - p.last_fetch_ms > fetch_timeout_ms())
      post(v, begin_epoch{cfg_.group, state_.epoch, cfg_.self});
  }
}

} // namespace caudal::consensus
