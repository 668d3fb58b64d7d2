#include "harness.h"

namespace caudal::consensus::testing {

harness::harness(std::vector<node_id> voters, std::vector<node_id> observers, replica_config base)
    : base_(std::move(base)), voters_(std::move(voters)) {
  if (base_.group.empty()) base_.group = "t/0";
  std::vector<node_id> all = voters_;
  all.insert(all.end(), observers.begin(), observers.end());
  for (node_id id : all) {
    auto n = std::make_unique<test_node>();
    n->id = id;
    nodes_[id] = std::move(n);
    restart(id, false);
  }
}

void harness::restart(node_id id, bool crash) {
  auto& n = *nodes_.at(id);
  if (crash) n.log.crash();
  replica_config cfg = base_;
  cfg.self = id;
  cfg.voters = voters_;
  n.r = std::make_unique<replica>(cfg, n.log, n.store, seed_++ * 7919 + static_cast<uint64_t>(id),
                                  now);
}

void harness::collect(node_id from) {
  for (auto& o : nodes_.at(from)->r->take_outbox()) {
    sent.emplace_back(from, o);
    queue_.emplace_back(from, std::move(o));
  }
}

void harness::settle(int max) {
  for (auto& [id, n] : nodes_) collect(id);
  while (!queue_.empty() && max-- > 0) {
    auto [from, o] = std::move(queue_.front());
    queue_.pop_front();
    if (drop && drop(from, o.to, o.msg)) continue;
    auto it = nodes_.find(o.to);
    if (it == nodes_.end()) continue;
    it->second->r->receive(o.msg, now);
    collect(o.to);
  }
}

void harness::advance(int64_t ms, int64_t step) {
  int64_t until = now + ms;
  while (now < until) {
    now = std::min(until, now + step);
    for (auto& [id, n] : nodes_) n->r->tick(now);
    settle();
  }
}

node_id harness::elect(int64_t limit_ms) {
  int64_t until = now + limit_ms;
  while (now < until) {
    advance(10);
    node_id l = leader();
    if (l != no_node) return l;
  }
  return no_node;
}

node_id harness::leader() const {
  node_id best = no_node;
  int32_t epoch = -1;
  for (const auto& [id, n] : nodes_) {
    if (n->r->role() == replica_role::leader && n->r->epoch() > epoch) {
      best = id;
      epoch = n->r->epoch();
    }
  }
  return best;
}

append_result harness::append(node_id at, const std::string& payload) {
  auto b = make_batch(payload);
  auto r = rep(at).append(b, now);
  settle();
  return r;
}

} // namespace caudal::consensus::testing
