#include "sim/simulation.h"

#include <cstdlib>
#include <filesystem>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "sim/world.h"

namespace caudal::sim {

namespace {

// The node's LMDB directory goes to /dev/shm when there is one: LMDB fsyncs
// every commit, and on tmpfs those cost nothing, which is most of a run's wall time.
std::filesystem::path default_root() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec)) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

std::string make_temp_dir(const std::string& base) {
  auto root = base.empty() ? default_root() : std::filesystem::path(base);
  std::string tmpl = (root / "caudal-sim-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

void run_phases(world& w, const sim_config& cfg) {
  for (auto& h : w.hosts) w.boot(*h);
  w.work->start();
  w.start_faults();
  w.loop.run_until(cfg.duration_ms);
  w.trace.add(w.loop.now_ms(), "sim", "liveness phase");
  w.heal();
  w.work->begin_liveness();
  int64_t deadline = w.loop.now_ms() + cfg.liveness_bound_ms;
  if (!w.loop.run_until(deadline, [&] { return w.work->producers_done(); })) {
    w.hist.violation("liveness: producers not done within " +
                     std::to_string(cfg.liveness_bound_ms) + " ms: " + w.work->progress());
    return;
  }
  w.work->start_verify();
  if (!w.loop.run_until(deadline, [&] { return w.work->verified(); })) {
    w.hist.violation("liveness: final logs not readable in time");
    return;
  }
  if (!w.loop.run_until(deadline, [&] { return w.work->consumers_caught_up(); }))
    w.hist.violation("liveness: consumers did not catch up: " + w.work->progress());
  w.hist.check_final(w.work->final_logs());
}

} // namespace

world::world(const sim_config& c, std::ostream* out, const std::string& dir) : cfg(c), trace(out) {
  auto h = std::make_unique<sim_host>();
  h->name = "n1";
  sim_node_args a;
  a.id = 1;
  a.meta_dir = std::string(dir).append("/node1-meta");
  a.fs = cfg.bug_lying_fsync ? static_cast<storage::filesystem*>(&h->lying) : &h->disk;
  a.seed = cfg.seed;
  a.retention_check_interval_ms = cfg.retention_check_interval_ms;
  a.on_spawn = [this, id = a.id](caf::actor_id actor) { loop.tag(actor, id); };
  a.groups.min_session_timeout_ms = 100; // simulated runs last seconds, not hours
  a.groups.initial_rebalance_delay_ms = 0;
  h->true_epoch_offset_ms = a.epoch_offset_ms;
  h->node = std::make_unique<sim_node>(sys, a);
  h->disk.on_fault([this, hp = h.get()](const std::string& what) { log(*hp, what); });
  hosts.push_back(std::move(h));
  loop.hold([this](int32_t node) {
    for (auto& hp : hosts)
      if (hp->paused && hp->node->id() == node) return true;
    return false;
  });
  auto wc = cfg.workload;
  if (cfg.durable) wc.topic_configs.insert_or_assign("flush.messages", std::string(1, '1'));
  wc.retry_without_pid = cfg.bug_retry_without_pid;
  work = std::make_unique<workload>(loop, *hosts[0]->node, hist, trace, wc);
  if (cfg.disk_faults_during_setup)
    arm_disk_faults();
  else
    work->on_ready([this] { arm_disk_faults(); });
}

void world::arm_disk_faults() {
  if (!faults) return;
  storage::disk_faults f{cfg.fsync_fail_per_mille, cfg.disk_capacity_bytes};
  for (auto& h : hosts)
    h->disk.set_faults(f, cfg.seed ^ 0x5eedd15cULL ^ (uint64_t(h->node->id()) << 32));
}

void world::boot(sim_host& h) {
  h.sync_failures_at_boot = h.disk.injected_sync_failures();
  h.no_space_at_boot = h.disk.no_space_failures();
  auto err = h.node->start();
  if (!err.empty()) hist.violation(h.name + " failed to start: " + err);
  log(h, err.empty() ? "start" : "start failed: " + err);
}

sim_result run_simulation(const sim_config& cfg, std::ostream* trace) {
  spdlog::set_level(spdlog::level::off); // the node logs crash-induced I/O errors
  sim_result res;
  res.seed = cfg.seed;
  auto dir = make_temp_dir(cfg.work_dir);
  if (dir.empty()) {
    res.violations.push_back("cannot create a temp dir");
    return res;
  }
  {
    world w{cfg, trace, dir};
    run_phases(w, cfg);
    for (auto& [p, log] : w.work->final_logs()) {
      w.trace.mix(static_cast<uint64_t>(p));
      for (auto& r : log) w.trace.mix_bytes(r.value);
      res.final_records += log.size();
    }
    w.trace.mix(w.loop.jobs_run());
    for (auto& h : w.hosts) h->node->kill();
    w.work->on_crash();
    w.loop.drain();
    res.hash = w.trace.hash();
    res.violations = w.hist.violations();
    res.simulated_ms = w.loop.now_ms();
    res.trace_lines = w.trace.lines();
    res.jobs = w.loop.jobs_run();
    res.crashes = w.crashes;
    res.pauses = w.pauses;
    res.commits = w.hist.commits_acked();
    res.clock_jumps = w.clock_jumps;
    for (auto& h : w.hosts) {
      res.fsync_failures += h->disk.injected_sync_failures();
      res.no_space_failures += h->disk.no_space_failures();
    }
    res.sent = w.hist.sent_count();
    res.acked = w.hist.acked_count();
    res.allowed_losses = w.hist.allowed_losses();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return res;
}

} // namespace caudal::sim
