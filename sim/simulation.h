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
  /// Negative test: producers resend a batch whose outcome is unknown without
  /// its producer id and sequence, as if the broker skipped the sequence check.
  bool bug_retry_without_pid = false;

  // Disk faults (storage::disk_faults, seeded).
  uint32_t fsync_fail_per_mille = 0; // chance per file sync
  uint64_t disk_capacity_bytes = 0;  // 0 = unlimited; writes past it fail with no_space
  /// Disk faults also while the topic is created. Off by default: a failed
  /// CreateTopics leaves its opened partitions running (a known broker bug,
  /// see docs/simulator.md), which the setup phase does not test.
  bool disk_faults_during_setup = false;
  // Node faults.
  bool pauses = false; // the node's actors stop being scheduled for a while
  int64_t pause_interval_min_ms = 300;
  int64_t pause_interval_max_ms = 2000;
  int64_t pause_max_ms = 1500;
  int64_t clock_jump_max_ms = 0; // every restart moves the node's wall clock by [-max, +max]
  int64_t retention_check_interval_ms = 300000;
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
  uint64_t pauses = 0;
  uint64_t clock_jumps = 0;
  uint64_t fsync_failures = 0;
  uint64_t no_space_failures = 0;
  uint64_t commits = 0; // consumer-group commits acknowledged
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t final_records = 0;
  uint64_t allowed_losses = 0; // acknowledged, lost in a crash, allowed (default flush)
  bool ok() const { return violations.empty(); }
};

/// Runs one simulation; trace lines go to `trace` when it is not null.
sim_result run_simulation(const sim_config& cfg, std::ostream* trace = nullptr);

} // namespace caudal::sim
