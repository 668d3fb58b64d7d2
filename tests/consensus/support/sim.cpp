#include "sim.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <unordered_map>

#include "mem_log.h"

namespace caudal::consensus::testing {

namespace {

enum class ev_kind { deliver, tick, chaos, client, restart, membership, apply_config };

struct event {
  int64_t at = 0;
  uint64_t seq = 0;
  ev_kind kind = ev_kind::tick;
  node_id node = no_node;
  bool operator>(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

struct in_flight {
  node_id from = no_node;
  node_id to = no_node;
  message msg;
};

struct sim_node {
  node_id id = no_node;
  mem_log log;
  mem_store store;
  std::unique_ptr<replica> r;
  uint64_t generation = 0;
  int64_t scheduled_tick = -1;
  int64_t last_hw = -1;
  int64_t checked = 0; // entries below were compared with the committed prefix
};

struct pending_append {
  node_id node = no_node;
  uint64_t generation = 0;
  int32_t epoch = 0;
  int64_t offset = 0;
  std::string payload;
};

class simulation {
public:
  explicit simulation(const sim_options& opt);
  sim_stats run();

private:
  void schedule(int64_t at, ev_kind kind, node_id node = no_node, uint64_t msg = 0);
  void start_node(sim_node& n);
  void crash(sim_node& n);
  void after_event(sim_node& n);
  void send(node_id from, outbound o);
  void handle(const event& e);
  void deliver(uint64_t id);
  void trace(const in_flight& m);
  void chaos();
  void membership();
  void propose_config(std::vector<node_id> voters);
  void apply_config(node_id id, uint64_t version);
  void heal();
  void client();
  void check_node(sim_node& n);
  void check_acks(sim_node& n);
  bool converged() const;
  void final_checks();
  void violate(const std::string& what);
  bool blocked(node_id from, node_id to) const { return cut_.count({from, to}) != 0; }
  sim_node& node(node_id id) { return *nodes_[static_cast<size_t>(id - 1)]; }
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  sim_options opt_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<sim_node>> nodes_;
  std::vector<node_id> voters_;                      // the latest committed voter set
  std::vector<node_id> all_ids_;                     // the replica list
  std::map<uint64_t, std::vector<node_id>> configs_; // version -> voter set
  int pending_applies_ = 0;                          // nodes yet to apply the latest
  std::priority_queue<event, std::vector<event>, std::greater<>> queue_;
  std::unordered_map<uint64_t, in_flight> messages_;
  std::set<std::pair<node_id, node_id>> cut_; // blocked directed links
  std::map<int32_t, node_id> leaders_;        // epoch -> its leader
  std::vector<entry> committed_;              // the agreed prefix, offset = index
  std::vector<pending_append> pending_;
  std::vector<pending_append> acked_;
  uint64_t seq_ = 0;
  int64_t now_ = 0;
  bool chaos_on_ = true;
  int64_t client_seq_ = 0;
  sim_stats stats_;
};

simulation::simulation(const sim_options& opt) : opt_(opt), rng_(opt.seed) {
  int total = opt_.voters + opt_.observers;
  for (int i = 1; i <= opt_.voters; ++i) voters_.push_back(i);
  for (int i = 1; i <= total; ++i) {
    all_ids_.push_back(i);
    auto n = std::make_unique<sim_node>();
    n->id = i;
    nodes_.push_back(std::move(n));
  }
  for (auto& n : nodes_) start_node(*n);
}

void simulation::schedule(int64_t at, ev_kind kind, node_id node, uint64_t msg) {
  // For deliveries the message id doubles as the tie-breaking sequence.
  uint64_t s = msg != 0 ? msg : ++seq_;
  queue_.push(event{at, s, kind, node});
}

void simulation::start_node(sim_node& n) {
  replica_config cfg;
  cfg.group = "sim/0";
  cfg.self = n.id;
  cfg.voters = voters_;
  cfg.election_timeout_ms = opt_.election_timeout_ms;
  cfg.fetch_wait_ms = opt_.fetch_wait_ms;
  cfg.fetch_max_bytes = opt_.fetch_max_bytes;
  cfg.flush_before_ack = opt_.flush_before_ack;
  cfg.replica_lag_time_max_ms = 1000;
  n.r = std::make_unique<replica>(cfg, n.log, n.store, rng_(), now_);
  n.r->set_faults(opt_.faults);
  n.r->set_replicas(all_ids_);
  ++n.generation;
  n.last_hw = -1; // monotonic per replica object
  n.scheduled_tick = -1;
  after_event(n);
}

void simulation::crash(sim_node& n) {
  n.r.reset();
  n.log.crash();
  n.checked = std::min(n.checked, n.log.end_offset());
  n.scheduled_tick = -1;
  ++stats_.crashes;
  schedule(now_ + uniform(50, 1500), ev_kind::restart, n.id);
}

void simulation::send(node_id from, outbound o) {
  if (chance(opt_.loss)) return;
  int copies = chance(opt_.duplication) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    uint64_t id = ++seq_;
    messages_[id] = in_flight{from, o.to, o.msg};
    // Independent random delays also reorder messages.
    schedule(now_ + uniform(1, opt_.max_delay_ms), ev_kind::deliver, o.to, id);
  }
}

void simulation::after_event(sim_node& n) {
  if (!n.r) return;
  for (auto& o : n.r->take_outbox()) send(n.id, std::move(o));
  check_node(n);
  check_acks(n);
  int64_t d = n.r->next_deadline();
  if (d == std::numeric_limits<int64_t>::max()) return;
  // A timer already set to fire within the jitter bound of the new deadline
  // stays: a busy actor gets to it late, and so do we.
  if (n.scheduled_tick >= 0 && std::max(now_, d) + opt_.tick_jitter_ms >= n.scheduled_tick) return;
  int64_t t = std::max(now_, d) + uniform(0, opt_.tick_jitter_ms);
  if (n.scheduled_tick < 0 || t < n.scheduled_tick) {
    n.scheduled_tick = t;
    schedule(t, ev_kind::tick, n.id);
  }
}

void simulation::deliver(uint64_t id) {
  auto it = messages_.find(id);
  if (it == messages_.end()) return;
  in_flight m = std::move(it->second);
  messages_.erase(it);
  sim_node& n = node(m.to);
  if (!n.r || blocked(m.from, m.to)) return; // down or partitioned on arrival
  if (opt_.trace_from_ms >= 0 && now_ >= opt_.trace_from_ms) trace(m);
  n.r->receive(m.msg, now_);
  after_event(n);
}

void simulation::trace(const in_flight& m) {
  std::cout << now_ << " " << m.from << "->" << m.to << " ";
  std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, fetch_request>)
          std::cout << "fetch e" << x.epoch << " off " << x.fetch_offset << " lfe "
                    << x.last_fetched_epoch << " id " << x.id;
        else if constexpr (std::is_same_v<T, fetch_response>)
          std::cout << "fetch_resp e" << x.epoch << " ldr " << x.leader << " err " << x.error
                    << " hw " << x.high_watermark << " div " << x.diverging.epoch << "/"
                    << x.diverging.end_offset << " bytes " << x.records.size() << " id " << x.id;
        else
          std::cout << "vote/begin e" << x.epoch;
      },
      m.msg);
  std::cout << "\n   " << node(m.to).r->describe() << "\n";
}

void simulation::handle(const event& e) {
  switch (e.kind) {
  case ev_kind::deliver:
    deliver(e.seq);
    break;
  case ev_kind::tick: {
    sim_node& n = node(e.node);
    if (!n.r || e.at != n.scheduled_tick) return; // superseded
    n.scheduled_tick = -1;
    n.r->tick(now_);
    after_event(n);
    break;
  }
  case ev_kind::chaos:
    chaos();
    break;
  case ev_kind::client:
    client();
    break;
  case ev_kind::restart:
    if (!node(e.node).r) start_node(node(e.node));
    break;
  case ev_kind::membership:
    membership();
    break;
  case ev_kind::apply_config:
    apply_config(e.node, e.seq);
    break;
  }
}

void simulation::heal() {
  cut_.clear();
  for (auto& n : nodes_)
    if (!n->r) start_node(*n);
}

void simulation::chaos() {
  if (!chaos_on_) return;
  schedule(now_ + uniform(opt_.chaos_every_ms / 2, opt_.chaos_every_ms * 3 / 2), ev_kind::chaos);
  auto pick = [&] { return static_cast<node_id>(uniform(1, static_cast<int64_t>(nodes_.size()))); };
  int64_t roll = uniform(0, 99);
  if (roll < 30) {
    cut_.clear();
  } else if (roll < 45) { // isolate one node both ways
    node_id x = pick();
    for (auto& n : nodes_)
      if (n->id != x) cut_.insert({x, n->id}), cut_.insert({n->id, x});
  } else if (roll < 65) { // one-way cuts: x cannot reach y
    node_id x = pick(), y = pick();
    if (x != y) cut_.insert({x, y});
  } else if (roll < 80) { // random split into two sides
    std::vector<bool> side(nodes_.size() + 1);
    for (auto& n : nodes_) side[static_cast<size_t>(n->id)] = chance(0.5);
    for (auto& a : nodes_)
      for (auto& b : nodes_)
        if (side[static_cast<size_t>(a->id)] != side[static_cast<size_t>(b->id)])
          cut_.insert({a->id, b->id});
  } else if (opt_.crashes) {
    node_id x = pick();
    if (chance(opt_.leader_crash_bias))
      for (auto& n : nodes_)
        if (n->r && n->r->role() == replica_role::leader) x = n->id;
    if (node(x).r) crash(node(x));
  }
}

void simulation::propose_config(std::vector<node_id> voters) {
  // Committed: restarts read it at once; live nodes each apply it a little
  // later (a node's metadata image lags the controller's).
  voters_ = voters;
  uint64_t version = ++seq_;
  configs_[version] = std::move(voters);
  ++stats_.voter_changes;
  for (auto& n : nodes_) {
    ++pending_applies_;
    queue_.push(
        event{now_ + uniform(0, opt_.config_lag_ms), version, ev_kind::apply_config, n->id});
  }
}

void simulation::apply_config(node_id id, uint64_t version) {
  --pending_applies_;
  sim_node& n = node(id);
  if (!n.r) return; // restarted later with voters_ (newer or equal)
  if (opt_.trace_from_ms >= 0 && now_ >= opt_.trace_from_ms) {
    std::cout << now_ << " node " << id << " voters";
    for (node_id v : configs_.at(version)) std::cout << " " << v;
    std::cout << "\n";
  }
  n.r->set_voters(configs_.at(version), now_);
  after_event(n);
}

void simulation::membership() {
  if (!chaos_on_) return;
  schedule(now_ + uniform(opt_.membership_every_ms / 2, opt_.membership_every_ms * 3 / 2),
           ev_kind::membership);
  if (pending_applies_ > 0) return; // one change at a time
  sim_node* leader = nullptr;
  for (auto& n : nodes_)
    if (n->r && n->r->role() == replica_role::leader &&
        (!leader || n->r->epoch() > leader->r->epoch()))
      leader = n.get();
  if (!leader) return;
  std::vector<node_id> others;
  for (node_id v : voters_)
    if (v != leader->id) others.push_back(v);
  int64_t roll = uniform(0, 99);
  if (roll < 20 && !others.empty()) {
    node_id t = others[static_cast<size_t>(uniform(0, static_cast<int64_t>(others.size()) - 1))];
    if (leader->r->transfer_leadership(t, now_)) ++stats_.transfers;
    after_event(*leader);
    return;
  }
  std::vector<node_id> outside;
  for (node_id id : all_ids_)
    if (std::find(voters_.begin(), voters_.end(), id) == voters_.end()) outside.push_back(id);
  bool grow = !outside.empty() && (voters_.size() <= 3 || roll < 60);
  auto next = voters_;
  if (grow) {
    next.push_back(
        outside[static_cast<size_t>(uniform(0, static_cast<int64_t>(outside.size()) - 1))]);
  } else {
    if (voters_.size() <= 3) return;
    // Possibly the leader: it hands over.
    std::erase(next,
               voters_[static_cast<size_t>(uniform(0, static_cast<int64_t>(voters_.size()) - 1))]);
  }
  // The controller's rule: every member of the next set holds all that is
  // committed and runs the current set (an observer joins from the ISR).
  auto holding = leader->r->replicas_holding_committed();
  for (node_id v : next)
    if (std::find(holding.begin(), holding.end(), v) == holding.end() &&
        !opt_.membership_ignores_holding)
      return;
  propose_config(std::move(next));
}

void simulation::client() {
  if (chaos_on_) schedule(now_ + uniform(1, 2 * opt_.append_every_ms), ev_kind::client);
  std::vector<sim_node*> leaders;
  for (auto& n : nodes_)
    if (n->r && n->r->role() == replica_role::leader) leaders.push_back(n.get());
  if (leaders.empty()) return;
  sim_node& n = *leaders[static_cast<size_t>(uniform(0, static_cast<int64_t>(leaders.size()) - 1))];
  std::string payload = "s" + std::to_string(opt_.seed) + "-" + std::to_string(++client_seq_);
  auto batch = make_batch(payload);
  auto res = n.r->append(batch, now_);
  if (res.error == 0) {
    ++stats_.appends;
    pending_.push_back(pending_append{n.id, n.generation, n.r->epoch(), res.base_offset, payload});
  }
  after_event(n);
}

void simulation::violate(const std::string& what) {
  if (!stats_.ok) return;
  stats_.ok = false;
  std::string ctx;
  for (auto& n : nodes_) ctx += "\n  " + (n->r ? n->r->describe() : "node down");
  stats_.violation =
      "seed " + std::to_string(opt_.seed) + " t=" + std::to_string(now_) + ": " + what + ctx;
}

void simulation::check_node(sim_node& n) {
  replica& r = *n.r;
  std::string who = "node " + std::to_string(n.id) + ": ";
  if (r.failed()) violate(who + "failed: " + r.failure());
  if (r.role() == replica_role::leader) {
    auto [it, fresh] = leaders_.emplace(r.epoch(), n.id);
    if (fresh) ++stats_.elections;
    if (it->second != n.id) violate(who + "second leader in epoch " + std::to_string(r.epoch()));
  }
  int64_t hw = r.high_watermark();
  if (hw < n.last_hw) violate(who + "high watermark went down");
  n.last_hw = hw;
  if (hw > n.log.end_offset()) violate(who + "high watermark above log end");
  if (n.log.end_offset() < n.checked) violate(who + "committed entry truncated");
  for (int64_t o = std::max(n.checked, n.log.start_offset()); o < hw; ++o) {
    const entry* e = n.log.at(o);
    if (!e) return violate(who + "missing committed entry " + std::to_string(o));
    if (o < static_cast<int64_t>(committed_.size())) {
      if (!(*e == committed_[static_cast<size_t>(o)]))
        return violate(who + "committed entry differs at " + std::to_string(o));
    } else {
      committed_.push_back(*e);
    }
  }
  n.checked = std::max(n.checked, hw);
}

void simulation::check_acks(sim_node& n) {
  replica& r = *n.r;
  std::erase_if(pending_, [&](const pending_append& p) {
    if (p.node != n.id) return false;
    if (p.generation != n.generation || r.role() != replica_role::leader || r.epoch() != p.epoch)
      return true; // outcome unknown to the client: not acknowledged
    if (r.high_watermark() <= p.offset) return false;
    acked_.push_back(p);
    ++stats_.acked;
    return true;
  });
}

bool simulation::converged() const {
  const sim_node* leader = nullptr;
  for (auto& n : nodes_) {
    if (!n->r) return false;
    if (n->r->role() == replica_role::leader && (!leader || n->r->epoch() > leader->r->epoch()))
      leader = n.get();
  }
  if (!leader) return false;
  int64_t end = leader->log.end_offset();
  for (auto& n : nodes_) {
    if (n->r->epoch() != leader->r->epoch() || n->r->leader() != leader->id) return false;
    if (n->log.end_offset() != end || n->r->high_watermark() != end) return false;
  }
  return true;
}

void simulation::final_checks() {
  for (auto& n : nodes_) {
    for (int64_t o = 0; o < static_cast<int64_t>(committed_.size()); ++o) {
      const entry* e = n->log.at(o);
      if (!e || !(*e == committed_[static_cast<size_t>(o)]))
        return violate("final log of node " + std::to_string(n->id) + " lacks committed entry " +
                       std::to_string(o));
    }
  }
  for (const auto& a : acked_) {
    auto o = static_cast<size_t>(a.offset);
    std::vector<uint8_t> p(a.payload.begin(), a.payload.end());
    if (o >= committed_.size() || committed_[o].payload != p)
      return violate("acknowledged append lost: " + a.payload);
  }
  stats_.committed = static_cast<int64_t>(committed_.size());
}

sim_stats simulation::run() {
  schedule(0, ev_kind::chaos);
  schedule(0, ev_kind::client);
  if (opt_.membership_changes) schedule(opt_.membership_every_ms, ev_kind::membership);
  int64_t heal_at = opt_.chaos_ms;
  bool healed = false;
  while (!queue_.empty() && stats_.ok) {
    event e = queue_.top();
    if (!healed && e.at >= heal_at) {
      now_ = heal_at;
      chaos_on_ = false;
      healed = true;
      heal();
      continue;
    }
    queue_.pop();
    now_ = e.at;
    if (healed && now_ > heal_at + opt_.heal_limit_ms) break;
    ++stats_.events;
    handle(e);
    if (healed && converged()) {
      stats_.heal_ms = now_ - heal_at;
      final_checks();
      return stats_;
    }
  }
  if (stats_.ok) violate("no convergence within the liveness bound after healing");
  return stats_;
}

} // namespace

sim_stats run_cluster_sim(const sim_options& opt) { return simulation(opt).run(); }

} // namespace caudal::consensus::testing
