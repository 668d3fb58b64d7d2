#pragma once
// The multi-node simulator's command line part: `caudal-sim --cluster N ...`
// (sim/main.cpp parses the options and calls run_cluster_cli). Prints one
// result line per failing seed (every seed for a single run) with its
// violations and the command that replays it, then the totals.

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "sim/cluster/cluster_sim.h"

namespace caudal::sim::cluster {

struct cluster_cli_options {
  cluster_sim_config config; // nodes, duration, faults, bugs (seed: the first seed)
  std::string scenario;      // the file `config` was loaded from ("" = defaults); for replay lines
  uint64_t seeds = 1;
  bool trace = false;             // single seed only
  bool check_determinism = false; // every seed twice, hashes compared
  bool expect_violation = false;  // exit 0 only if some seed fails (negative tests)
};

/// Returns the process exit code. `wall_seconds` is the caller's real clock
/// (the speed report; logic code never reads it).
int run_cluster_cli(const cluster_cli_options& opt, std::ostream& out,
                    const std::function<double()>& wall_seconds);

} // namespace caudal::sim::cluster
