// One run: setup (topic), faulty phase, liveness phase, settle, stop, checks.
#include "sim/cluster/cluster_sim.h"

#include <algorithm>
#include <filesystem>

#include <stdlib.h>

#include "sim/cluster/cluster_world.h"
#include "sim/cluster/replica_check.h"

namespace caudal::sim::cluster {

namespace {

// LMDB fsyncs every commit; on tmpfs that costs nothing, so /dev/shm first.
std::string make_lmdb_dir() {
  std::error_code ec;
  std::string base = std::filesystem::is_directory("/dev/shm", ec)
                         ? "/dev/shm"
                         : std::filesystem::temp_directory_path(ec).string();
  std::string tmpl = base + "/caudal-simc-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

struct lmdb_dir {
  std::string path = make_lmdb_dir();
  ~lmdb_dir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

bool setup(cluster_world& w) {
  auto voters = w.cfg.nodes - w.cfg.late_nodes;
  if (w.cfg.late_nodes < 0 || voters < 1 || w.replication_factor > voters) {
    w.hist.violation("setup: replication factor " + std::to_string(w.replication_factor) + " > " +
                     std::to_string(voters) + " nodes started at t=0");
    return false;
  }
  for (auto& h : w.hosts)
    if (w.joined(h->id)) w.boot(*h); // late nodes boot in the faulty phase (faults.join)
  auto clients_cfg = w.cfg.clients;
  clients_cfg.replication_factor = w.replication_factor;
  w.clients = std::make_unique<cluster_clients>(
      w.loop,
      [&] {
        std::vector<cluster_node*> nodes;
        for (auto& h : w.hosts) nodes.push_back(h->node.get());
        return nodes;
      }(),
      w.hist, [&w](const std::string& who, const std::string& what) { w.log(who, what); },
      clients_cfg);
  w.clients->start();
  if (w.loop.run_until(w.loop.now_ms() + 30000, [&] { return w.clients->topic_ready(); }))
    return true;
  w.hist.violation("setup: the topic was not created within 30 s");
  return false;
}

// Heal everything, then every producer must get a batch acknowledged, the
// verifier must read every partition up to a high watermark above every
// acknowledgement, and every consumer must get there too — all in the bound.
void liveness(cluster_world& w) {
  w.log("sim", "liveness phase");
  w.heal();
  w.clients->begin_liveness();
  auto deadline = w.loop.now_ms() + w.cfg.liveness_bound_ms;
  auto& c = *w.clients;
  if (!w.loop.run_until(deadline, [&] { return c.producers_done(); }))
    return w.hist.violation("liveness: producers not done " +
                            std::to_string(w.cfg.liveness_bound_ms) + " ms after healing");
  c.start_verifier();
  if (!w.loop.run_until(deadline, [&] { return c.verified(); }))
    return w.hist.violation("liveness: the high watermarks did not cover every acknowledgement "
                            "in the bound (so every acknowledgement counts as lost):" +
                            c.verifier_status() + w.image_status());
  if (!w.loop.run_until(deadline, [&] { return c.consumers_caught_up(); }))
    return w.hist.violation("liveness: consumers did not reach the high watermarks in the bound");
  // Every node that joined must be registered and unfenced and hold
  // replicas (a rebalance toward it runs here if none stuck), and every
  // reassignment (and drain) the faults started must finish too.
  std::string why;
  if (!w.loop.run_until(deadline, [&] { return w.joins_settled(why); }))
    return w.hist.violation("liveness: a node that joined did not get replicas in the bound: " +
                            why + w.image_status());
  if (!w.loop.run_until(deadline, [&] { return w.moves_settled(why); }))
    w.hist.violation("liveness: a reassignment did not complete in the bound: " + why);
}

// All actors stopped (no crash: the disks keep what the nodes wrote), then
// every replica's committed prefix is compared.
// Only the nodes the final image lists hold a partition: a node it moved off
// dropped its copy, and a leftover directory there is no replica.
void check_replicas_after_stop(cluster_world& w) {
  auto img = w.final_image();
  std::map<int32_t, std::vector<int32_t>> replicas;
  const auto* t = img ? img->topic(w.cfg.clients.topic) : nullptr;
  if (!t) w.hist.violation("no node has an image of the topic at the end");
  if (t) {
    w.check_moves(*img);
    w.check_joins(*img);
    for (auto& [p, ps] : t->partitions) replicas[p] = ps.replicas;
  }
  for (auto& h : w.hosts) h->node->kill();
  w.loop.drain();
  std::vector<replica_disk> disks;
  for (auto& h : w.hosts) disks.push_back(replica_disk{h->id, &h->disk, h->node->log_dir()});
  for (auto& v : check_replicas(disks, w.cfg.clients.topic, w.clients->final_high_watermarks(),
                                replicas, w.loop.now_ms()))
    w.hist.violation(v);
  for (auto& [p, hw] : w.clients->final_high_watermarks())
    w.log("sim", "p" + std::to_string(p) + " committed up to " + std::to_string(hw));
}

void finish(cluster_world& w, cluster_sim_result& r) {
  r.violations = w.hist.check();
  r.ok = r.violations.empty();
  r.sim_ms = w.loop.now_ms();
  r.sent = w.hist.sent_count();
  r.acked = w.hist.acked_count();
  r.jobs = w.loop.jobs_run();
  auto s = w.net->stats();
  r.net_delivered = s.delivered;
  r.net_dropped = s.dropped_loss + s.dropped_cut + s.dropped_down + s.dropped_no_router;
  r.net_duplicated = s.duplicated;
  for (auto v : {r.jobs, s.sent, s.delivered, s.duplicated, r.net_dropped, s.held}) w.trace.mix(v);
  for (auto& v : r.violations) w.log("checker", "violation: " + v);
  r.hash = w.trace.hash();
}

} // namespace

cluster_sim_result run_cluster_sim(const cluster_sim_config& cfg) {
  lmdb_dir dir;
  cluster_sim_result r;
  r.seed = cfg.seed;
  if (dir.path.empty()) {
    r.violations.push_back("cannot create a directory for the metastores");
    return r;
  }
  cluster_world w{cfg, dir.path};
  if (setup(w)) {
    w.start_faults();
    w.loop.run_until(w.loop.now_ms() + cfg.duration_ms);
    liveness(w);
    if (w.clients->verified()) {
      // Followers catch up once the last clog has expired too.
      w.loop.run_until(std::max(w.loop.now_ms(), w.clogged_until_ms) + cfg.settle_ms);
      check_replicas_after_stop(w);
    }
  }
  auto counts = w.result;
  finish(w, r);
  r.crashes = counts.crashes;
  r.power_losses = counts.power_losses;
  r.partitions = counts.partitions;
  r.one_way = counts.one_way;
  r.flaps = counts.flaps;
  r.clogs = counts.clogs;
  r.rolling_restarts = counts.rolling_restarts;
  r.restarts = counts.restarts;
  r.pauses = counts.pauses;
  r.reassign_attempts = counts.reassign_attempts;
  r.moves_started = counts.moves_started;
  r.moves_completed = counts.moves_completed;
  r.decommissions = counts.decommissions;
  r.joins = counts.joins;
  r.rebalances = counts.rebalances;
  return r;
}

std::string cluster_sim_result::summary() const {
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return "seed " + std::to_string(seed) + (ok ? " ok" : " FAIL") + " hash=" + hex +
         " sim_ms=" + std::to_string(sim_ms) + " crashes=" + std::to_string(crashes) +
         " power_losses=" + std::to_string(power_losses) +
         " partitions=" + std::to_string(partitions) + " one_way=" + std::to_string(one_way) +
         " flaps=" + std::to_string(flaps) + " clogs=" + std::to_string(clogs) +
         " rolling=" + std::to_string(rolling_restarts) + " pauses=" + std::to_string(pauses) +
         " restarts=" + std::to_string(restarts) +
         " reassigns=" + std::to_string(reassign_attempts) + "/" + std::to_string(moves_started) +
         "/" + std::to_string(moves_completed) + " decommissions=" + std::to_string(decommissions) +
         " joins=" + std::to_string(joins) + " rebalances=" + std::to_string(rebalances) +
         " sent=" + std::to_string(sent) + " acked=" + std::to_string(acked) +
         " net_delivered=" + std::to_string(net_delivered) +
         " net_dropped=" + std::to_string(net_dropped) + " jobs=" + std::to_string(jobs);
}

sweep_totals sweep_cluster_sim(cluster_sim_config base, uint64_t first, uint64_t count,
                               const std::function<void(const cluster_sim_result&)>& on_result) {
  sweep_totals t;
  for (uint64_t s = first; s < first + count; ++s) {
    base.seed = s;
    auto r = run_cluster_sim(base);
    ++t.runs;
    if (!r.ok) ++t.failures;
    t.crashes += r.crashes;
    t.power_losses += r.power_losses;
    t.partitions += r.partitions;
    t.one_way += r.one_way;
    t.flaps += r.flaps;
    t.clogs += r.clogs;
    t.rolling_restarts += r.rolling_restarts;
    t.pauses += r.pauses;
    t.acked += r.acked;
    t.reassign_attempts += r.reassign_attempts;
    t.moves_started += r.moves_started;
    t.moves_completed += r.moves_completed;
    t.decommissions += r.decommissions;
    t.joins += r.joins;
    t.rebalances += r.rebalances;
    t.sim_ms += r.sim_ms;
    if (on_result) on_result(r);
  }
  return t;
}

} // namespace caudal::sim::cluster
