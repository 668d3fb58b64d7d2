#pragma once
// The command-line runner behind caudal-sim: one seed with an optional trace,
// or a sweep that prints every failing seed with the command that replays it,
// and the simulated-seconds-per-wall-second speed.

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace caudal::sim {

struct runner_options {
  uint64_t seed = 1;
  uint64_t seeds = 1;
  double duration_s = -1; // < 0: the scenario's (or the default)
  std::string scenario;
  bool trace = false;
  bool no_crashes = false;
  bool default_flush = false;
  bool bug = false;
  bool bug_retry = false; // --bug-retry-without-pid
  bool expect_violation = false;
  bool check_determinism = false; // run each seed twice, compare the hashes
};

/// Runs what `o` asks; `wall_seconds` reads the real clock (main's business).
/// Exit code: 0 when every seed passed (with expect_violation: when at least
/// one seed failed), 1 otherwise, 2 on a bad scenario.
int run_cli(const runner_options& o, std::ostream& out,
            const std::function<double()>& wall_seconds);

} // namespace caudal::sim
