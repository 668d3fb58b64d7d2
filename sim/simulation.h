#pragma once
// One simulated run: a single node (designed to become N) over a simulated
// disk, the workload, seeded crash/restart faults, a fault-free liveness
// phase, and the final checks. Same config + seed = same trace hash.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sim/workload.h"

namespace caudal::sim {

struct sim_config {
  uint64_t seed = 1;
  int64_t duration_ms = 5000;        // the faulty phase, in simulated time
  int64_t liveness_bound_ms = 20000; // producers done + consumers caught up within this
  bool crashes = true;
  int64_t crash_interval_min_ms = 500; // time between a restart and the next crash
  int64_t crash_interval_max_ms = 3000;
  int64_t downtime_max_ms = 1000;
  /// Every acknowledged write must survive (the topic has flush.messages=1).
  /// Off: the default flush policy, acknowledged writes may be lost in a crash.
  bool durable = true;
  /// Negative test: the disk acknowledges fsyncs without syncing (harness-only bug).
  bool bug_lying_fsync = false;
  std::string work_dir; // where the node's LMDB directory goes; "" = system temp dir
  workload_config workload;
};

struct sim_result {
  uint64_t seed = 0;
  uint64_t hash = 0;
  std::vector<std::string> violations;
  int64_t simulated_ms = 0;
  uint64_t trace_lines = 0;
  uint64_t jobs = 0;
  uint64_t crashes = 0;
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t final_records = 0;
  uint64_t allowed_losses = 0; // acknowledged, lost in a crash, allowed (default flush)
  bool ok() const { return violations.empty(); }
};

/// Runs one simulation; trace lines go to `trace` when it is not null.
sim_result run_simulation(const sim_config& cfg, std::ostream* trace = nullptr);

} // namespace caudal::sim
