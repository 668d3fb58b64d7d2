#pragma once
// Everything one run owns (internal to simulation.cpp and faults.cpp): the
// actor system on the deterministic scheduler, the hosts (one simulated node
// each, with its own disk, pause state and clock), the history and the
// workload. Members are declared so that destruction runs in a safe order:
// workload, hosts (nodes before their disks), then the actor system.

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "sim/checker.h"
#include "sim/lying_filesystem.h"
#include "sim/sim_loop.h"
#include "sim/sim_node.h"
#include "sim/simulation.h"
#include "sim/trace.h"
#include "sim/workload.h"
#include "storage/mem_filesystem.h"

namespace caudal::sim {

/// One machine: its disk and the node process running on it.
struct sim_host {
  std::string name; // "n1": the trace's node column
  storage::mem_filesystem disk;
  lying_filesystem lying{disk};
  std::unique_ptr<sim_node> node;
  int64_t true_epoch_offset_ms = 0; // what the clock would say without jumps
  uint64_t sync_failures_at_boot = 0;
  uint64_t no_space_at_boot = 0;
  bool paused = false;
  uint64_t pause_generation = 0; // a crash ends a pause; a stale resume event sees this change
};

struct world {
  const sim_config& cfg;
  trace_log trace;
  sim_actor_config actor_cfg;
  caf::actor_system sys{actor_cfg};
  sim_loop loop{sys, cfg.seed};
  std::vector<std::unique_ptr<sim_host>> hosts;
  history hist{cfg.durable};
  std::unique_ptr<workload> work;
  bool faults = true;
  uint64_t crashes = 0;
  uint64_t pauses = 0;
  uint64_t clock_jumps = 0;

  world(const sim_config& c, std::ostream* out, const std::string& dir);

  void log(const sim_host& h, const std::string& what) { trace.add(loop.now_ms(), h.name, what); }
  void boot(sim_host& h);
  /// Schedules every enabled fault for every host (faults.cpp).
  void start_faults();
  /// The liveness phase's healing: no new faults, every pause ends, the disks
  /// get room and sane fsyncs, and a node that is down or whose storage
  /// failed is (re)started.
  void heal();
  /// Turns the configured disk faults on for every host.
  void arm_disk_faults();

private:
  void schedule_crash(sim_host& h);
  void crash(sim_host& h);
  void restart_later(sim_host& h, int64_t delay_ms);
  void schedule_pause(sim_host& h);
  void pause(sim_host& h);
  void resume(sim_host& h, uint64_t generation);
  void jump_clock(sim_host& h);
};

} // namespace caudal::sim
