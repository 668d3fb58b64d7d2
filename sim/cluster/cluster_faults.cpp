// The fault schedule of a multi-node run. Budget: at most one node is down
// or cut off at a time (a minority of three), held as the `impaired` token
// while the fault lasts; link faults (flaps, clogs) need no token — they
// delay or drop messages, which Raft tolerates anywhere. The correlated
// power loss of a majority is the one exception, enabled only by scenarios
// that test durability across it.
#include <algorithm>
#include <set>

#include "sim/cluster/cluster_world.h"

namespace caudal::sim::cluster {

void cluster_world::start_faults() {
  faults_on = true;
  if (cfg.faults.join) schedule_joins();
  schedule_fault();
}

void cluster_world::schedule_fault() {
  loop.after(loop.uniform(cfg.fault_gap_min_ms, cfg.fault_gap_max_ms), [this] {
    if (!faults_on) return;
    run_fault();
    schedule_fault();
  });
}

void cluster_world::run_fault() {
  auto& f = cfg.faults;
  std::vector<void (cluster_world::*)()> kinds;
  if (f.crashes) kinds.push_back(&cluster_world::fault_crash);
  if (f.partitions) kinds.push_back(&cluster_world::fault_partition_both);
  if (f.one_way) kinds.push_back(&cluster_world::fault_partition_one_way);
  if (f.flaps) kinds.push_back(&cluster_world::fault_flap);
  if (f.clogs) kinds.push_back(&cluster_world::fault_clog);
  if (f.rolling_restart) kinds.push_back(&cluster_world::fault_rolling_restart);
  if (f.pauses) kinds.push_back(&cluster_world::fault_pause);
  if (f.majority_power_loss) kinds.push_back(&cluster_world::fault_power_loss);
  if (f.reassign) kinds.push_back(&cluster_world::fault_reassign);
  if (f.decommission) kinds.push_back(&cluster_world::fault_decommission);
  if (kinds.empty()) return;
  auto k = kinds[static_cast<size_t>(loop.uniform(0, static_cast<int64_t>(kinds.size()) - 1))];
  (this->*k)();
}

// Half the time the leader of a partition as the clients see it (the
// interesting victim), else any node that has booted (a late node that has
// not joined yet is never a victim).
int32_t cluster_world::pick_target() {
  if (loop.uniform(0, 1) == 0 && clients) {
    auto p = static_cast<int32_t>(loop.uniform(0, clients->config().partitions - 1));
    auto l = clients->leader_of(p);
    if (l >= 1 && l <= static_cast<int32_t>(hosts.size()) && joined(l)) return l;
  }
  if (unjoined.empty())
    return static_cast<int32_t>(loop.uniform(1, static_cast<int64_t>(hosts.size())));
  auto live = joined_ids();
  return live[static_cast<size_t>(loop.uniform(0, static_cast<int64_t>(live.size()) - 1))];
}

// The next node id after `after` (cyclic) that has booted.
int32_t cluster_world::next_joined(int32_t after) const {
  auto n = static_cast<int32_t>(hosts.size());
  auto id = after % n + 1;
  while (!joined(id) && id != after) id = id % n + 1;
  return id;
}

// Takes the impairment token for `length_ms`; false if another node holds it.
bool cluster_world::take(int32_t node, int64_t length_ms) {
  if (impaired != -1) return false;
  impaired = node;
  auto gen = ++impairment;
  loop.after(length_ms, [this, gen] { release(gen); });
  return true;
}

// Ends the budgeted fault: cuts healed, a downed node booted.
void cluster_world::release(uint64_t generation) {
  if (generation != impairment || impaired == -1) return;
  net->heal();
  paused.clear();
  for (auto& h : hosts)
    if (!h->node->up() && joined(h->id)) boot(*h);
  impaired = -1;
}

// A paused node's actors are not scheduled (sim_loop::hold): its mailboxes
// and timers queue up, the others see it silent; on resume every queued job
// runs (late fetch answers, expired timers, a leader that must find out it
// was deposed).
void cluster_world::fault_pause() {
  auto target = pick_target();
  if (!take(target, loop.uniform(1, cfg.fault_length_max_ms))) return;
  ++result.pauses;
  paused.insert(target);
  log("n" + std::to_string(target), "paused");
}

void cluster_world::fault_crash() {
  auto target = pick_target();
  if (!take(target, loop.uniform(1, cfg.fault_length_max_ms))) return;
  ++result.crashes;
  crash(host(target), false);
}

void cluster_world::fault_power_loss() {
  auto a = pick_target();
  auto b = next_joined(a);
  if (!take(a, loop.uniform(1, cfg.fault_length_max_ms))) return;
  ++result.power_losses;
  log("sim", "power loss of n" + std::to_string(a) + " and n" + std::to_string(b));
  crash(host(a), false);
  crash(host(b), false);
}

void cluster_world::fault_partition(bool one_way) {
  auto target = pick_target();
  if (!take(target, loop.uniform(1, cfg.fault_length_max_ms))) return;
  std::set<int32_t> others;
  for (auto id : ids())
    if (id != target) others.insert(id);
  if (!one_way) {
    ++result.partitions;
    log("n" + std::to_string(target), "partitioned away");
    return net->partition({target}, others);
  }
  ++result.one_way;
  bool outbound = loop.uniform(0, 1) == 0;
  log("n" + std::to_string(target),
      std::string("one-way partition: ") + (outbound ? "cannot send" : "cannot receive"));
  if (outbound) return net->partition({target}, others, true);
  net->partition(others, {target}, true);
}

void cluster_world::fault_partition_both() { fault_partition(false); }
void cluster_world::fault_partition_one_way() { fault_partition(true); }

// Every link lossy, duplicating and slow for a while, then back to normal.
void cluster_world::fault_flap() {
  ++result.flaps;
  link_config bad;
  bad.latency_min_ms = 1;
  bad.latency_max_ms = loop.uniform(5, 200);
  bad.loss = static_cast<double>(loop.uniform(5, 40)) / 100.0;
  bad.duplicate = static_cast<double>(loop.uniform(0, 20)) / 100.0;
  log("sim", "flapping links: latency<=" + std::to_string(bad.latency_max_ms) +
                 "ms loss=" + std::to_string(static_cast<int>(bad.loss * 100)) +
                 "% dup=" + std::to_string(static_cast<int>(bad.duplicate * 100)) + "%");
  net->set_default_link(bad);
  loop.after(loop.uniform(100, cfg.fault_length_max_ms), [this] {
    net->set_default_link(base_link);
    log("sim", "links steady");
  });
}

void cluster_world::fault_clog() {
  ++result.clogs;
  auto from = static_cast<int32_t>(loop.uniform(1, static_cast<int64_t>(hosts.size())));
  if (!joined(from)) from = next_joined(from);
  auto to = next_joined(from);
  if (loop.uniform(0, 1) == 0) std::swap(from, to);
  auto until = loop.now_ms() + loop.uniform(50, cfg.fault_length_max_ms);
  log("sim", "clog n" + std::to_string(from) + "->n" + std::to_string(to) + " until " +
                 std::to_string(until));
  clogged_until_ms = std::max(clogged_until_ms, until);
  net->clog(from, to, until);
}

// Node after node: kill the process (the OS keeps its page cache, so no
// data is lost), boot it again, give it time to catch up, next one.
void cluster_world::fault_rolling_restart() {
  if (!take(1, 1000000)) return; // released by the last step
  ++result.rolling_restarts;
  log("sim", "rolling restart");
  roll(0, impairment);
}

void cluster_world::roll(size_t index, uint64_t generation) {
  if (generation != impairment || !faults_on) return;
  if (index == hosts.size()) return release(generation);
  auto& h = *hosts[index];
  if (!joined(h.id)) return roll(index + 1, generation); // never booted: nothing to restart
  impaired = h.id;
  crash(h, true);
  loop.after(loop.uniform(50, 500), [this, &h, index, generation] {
    if (generation != impairment) return;
    boot(h);
    loop.after(loop.uniform(1000, 2500),
               [this, index, generation] { roll(index + 1, generation); });
  });
}

// The liveness phase: no new faults, every cut healed, links steady, every
// node up.
void cluster_world::heal() {
  faults_on = false;
  ++impairment; // pending releases and rolling steps are void
  impaired = -1;
  paused.clear();
  net->heal();
  net->set_default_link(base_link);
  for (auto& h : hosts)
    if (!h->node->up() && joined(h->id)) boot(*h);
  log("sim", "healed");
}

} // namespace caudal::sim::cluster
