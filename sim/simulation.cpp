#include "sim/simulation.h"

#include <cstdlib>
#include <filesystem>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "sim/lying_filesystem.h"
#include "storage/mem_filesystem.h"

namespace caudal::sim {

namespace {

std::string make_temp_dir(const std::string& base) {
  auto root = base.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(base);
  std::string tmpl = (root / "caudal-sim-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

const char* mode_name(storage::crash_mode m) {
  switch (m) {
  case storage::crash_mode::lose_unsynced:
    return "lose_unsynced";
  case storage::crash_mode::tear_last_write:
    return "tear_last_write";
  case storage::crash_mode::random_prefix:
    return "random_prefix";
  }
  return "?";
}

// Everything one run owns, torn down in the right order by run_simulation.
struct world {
  const sim_config& cfg;
  trace_log trace;
  sim_actor_config actor_cfg;
  caf::actor_system sys{actor_cfg};
  sim_loop loop{sys, cfg.seed};
  storage::mem_filesystem disk;
  lying_filesystem lying{disk};
  std::unique_ptr<sim_node> node;
  history hist{cfg.durable};
  std::unique_ptr<workload> work;
  bool faults = true;
  uint64_t crashes = 0;

  world(const sim_config& c, std::ostream* out, const std::string& dir) : cfg(c), trace(out) {
    sim_node_args a;
    a.meta_dir = std::string(dir).append("/node1-meta");
    a.fs = cfg.bug_lying_fsync ? static_cast<storage::filesystem*>(&lying) : &disk;
    a.seed = cfg.seed;
    node = std::make_unique<sim_node>(sys, a);
    auto wc = cfg.workload;
    if (cfg.durable) wc.topic_configs.insert_or_assign("flush.messages", std::string(1, '1'));
    work = std::make_unique<workload>(loop, *node, hist, trace, wc);
  }

  void log(const std::string& what) { trace.add(loop.now_ms(), "n1", what); }

  void boot() {
    auto err = node->start();
    if (!err.empty()) hist.violation("node failed to start: " + err);
    log(err.empty() ? "start" : "start failed: " + err);
  }

  void schedule_crash() {
    loop.after(loop.uniform(cfg.crash_interval_min_ms, cfg.crash_interval_max_ms),
               [this] { crash(); });
  }

  void crash() {
    if (!faults || !node->up()) return;
    auto mode = static_cast<storage::crash_mode>(loop.uniform(0, 2));
    auto tear_seed = loop.rng()();
    log(std::string("crash mode=") + mode_name(mode));
    ++crashes;
    disk.crash(mode, tear_seed);
    node->kill();
    work->on_crash();
    hist.crashed(loop.now_ms());
    loop.after(loop.uniform(1, cfg.downtime_max_ms), [this] {
      if (node->up()) return;
      boot();
      if (faults) schedule_crash();
    });
  }
};

void run_phases(world& w, const sim_config& cfg) {
  w.boot();
  w.work->start();
  if (cfg.crashes) w.schedule_crash();
  w.loop.run_until(cfg.duration_ms);
  // Liveness: no more faults; the node comes back if it is down.
  w.faults = false;
  if (!w.node->up()) w.boot();
  w.trace.add(w.loop.now_ms(), "sim", "liveness phase");
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
    w.node->kill();
    w.work->on_crash();
    w.loop.drain();
    res.hash = w.trace.hash();
    res.violations = w.hist.violations();
    res.simulated_ms = w.loop.now_ms();
    res.trace_lines = w.trace.lines();
    res.jobs = w.loop.jobs_run();
    res.crashes = w.crashes;
    res.sent = w.hist.sent_count();
    res.acked = w.hist.acked_count();
    res.allowed_losses = w.hist.allowed_losses();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return res;
}

} // namespace caudal::sim
