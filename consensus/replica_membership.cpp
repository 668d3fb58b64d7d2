// Membership changes of a live group (voter set updates and leadership
// transfer). The voter sets come from the controller's committed metadata,
// one member at a time; see README "Voter changes" for why that is safe.
#include "consensus/replica.h"

#include <algorithm>

namespace caudal::consensus {

void replica::set_replicas(std::vector<node_id> replicas) { cfg_.replicas = std::move(replicas); }

void replica::update_config_id() {
  // FNV-1a over the sorted ids: equal sets give equal digests everywhere.
  auto ids = cfg_.voters;
  std::sort(ids.begin(), ids.end());
  uint64_t h = 1469598103934665603ull;
  for (node_id v : ids) {
    h ^= static_cast<uint32_t>(v);
    h *= 1099511628211ull;
  }
  config_id_ = h;
}

std::vector<node_id> replica::replicas_holding_committed() const {
  std::vector<node_id> out;
  // Before this epoch's marker commits, hw_ may be below entries earlier
  // leaders committed: nothing can be vouched for yet.
  if (role_ != replica_role::leader || hw_ <= epoch_start_offset_) return out;
  out.push_back(cfg_.self);
  auto consider = [&](node_id n) {
    if (n == cfg_.self || std::find(out.begin(), out.end(), n) != out.end()) return;
    auto it = progress_.find(n);
    if (it != progress_.end() && it->second.acked_end >= hw_ && it->second.config == config_id_)
      out.push_back(n);
  };
  for (node_id v : cfg_.voters) consider(v);
  for (node_id r : cfg_.replicas) consider(r);
  return out;
}

void replica::set_voters(std::vector<node_id> voters, int64_t now_ms) {
  if (failed_) return;
  now_ms_ = std::max(now_ms_, now_ms);
  bool was_voter = is_voter_;
  cfg_.voters = std::move(voters);
  is_voter_ = is_voter_id(cfg_.self);
  update_config_id();
  if (transfer_to_ != no_node && !is_voter_id(transfer_to_)) transfer_to_ = no_node;
  switch (role_) {
  case replica_role::leader:
    if (!is_voter_) return leave_leadership(now_ms);
    // New voters start from what they acknowledged as observers (if
    // anything); the HW is the majority of the new set from now on.
    for (node_id v : cfg_.voters) progress_.try_emplace(v);
    update_leader_hw();
    break;
  case replica_role::candidate: {
    if (!is_voter_) return become_follower(no_node, now_ms);
    std::erase_if(votes_, [&](const auto& kv) { return !is_voter_id(kv.first); });
    int granted = 0;
    for (const auto& [v, g] : votes_) granted += g ? 1 : 0;
    if (granted >= majority()) become_leader(now_ms);
    break;
  }
  case replica_role::follower:
    // A new voter starts counting from now: it has just been following.
    if (is_voter_ && !was_voter) reset_election_timer(now_ms);
    break;
  }
}

node_id replica::best_successor() const {
  node_id best = no_node;
  int64_t best_end = -1;
  for (node_id v : cfg_.voters) {
    if (v == cfg_.self) continue;
    auto it = progress_.find(v);
    if (it != progress_.end() && it->second.acked_end > best_end) {
      best = v;
      best_end = it->second.acked_end;
    }
  }
  // Only a voter holding our whole log can win at once; otherwise the
  // others find a leader by timeout.
  return best_end >= log_.end_offset() ? best : no_node;
}

void replica::leave_leadership(int64_t now_ms) {
  // Removed while leading: hand over to a caught-up voter if there is one,
  // so the group does not wait an election timeout.
  node_id next = best_successor();
  if (next != no_node) post(next, begin_epoch{cfg_.group, state_.epoch, cfg_.self, true});
  resign(now_ms);
}

bool replica::transfer_leadership(node_id target, int64_t now_ms) {
  if (failed_ || role_ != replica_role::leader || target == cfg_.self || !is_voter_id(target))
    return false;
  now_ms_ = std::max(now_ms_, now_ms);
  transfer_to_ = target;
  transfer_sent_ = false;
  transfer_deadline_ms_ = now_ms + cfg_.election_timeout_ms;
  progress_transfer(now_ms);
  return true;
}

void replica::progress_transfer(int64_t now_ms) {
  if (transfer_to_ == no_node || role_ != replica_role::leader) return;
  if (now_ms >= transfer_deadline_ms_) {
    transfer_to_ = no_node; // target too slow or message lost: take appends again
    return;
  }
  auto it = progress_.find(transfer_to_);
  if (transfer_sent_ || it == progress_.end() || it->second.acked_end < log_.end_offset()) return;
  // Appends are refused meanwhile, so the target holds everything we have and
  // its candidacy passes every voter's log comparison.
  transfer_sent_ = true;
  post(transfer_to_, begin_epoch{cfg_.group, state_.epoch, cfg_.self, true});
}

} // namespace caudal::consensus
