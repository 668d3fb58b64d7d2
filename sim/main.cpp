// caudal-sim: runs the deterministic simulator (see docs/simulator.md).
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/runner.h"

int main(int argc, char** argv) {
  CLI::App app{"Caudal deterministic simulator"};
  caudal::sim::runner_options o;
  app.add_option("--seed", o.seed, "first seed (or the one seed to replay)");
  app.add_option("--seeds", o.seeds, "number of seeds to sweep: seed .. seed+N-1");
  app.add_option("--duration", o.duration_s, "simulated seconds of the faulty phase");
  app.add_option("--scenario", o.scenario, "scenario JSON file (configs/sim/*.json)");
  app.add_flag("--trace", o.trace, "print one line per event (virtual time, node, event)");
  app.add_flag("--no-crashes", o.no_crashes, "no faults");
  app.add_flag("--default-flush", o.default_flush,
               "default flush policy instead of flush.messages=1");
  app.add_flag("--bug-lying-fsync", o.bug,
               "inject the harness bug: fsync reports success, syncs nothing");
  app.add_flag("--bug-retry-without-pid", o.bug_retry,
               "inject the harness bug: idempotent retries lose their producer id and sequence");
  app.add_flag("--expect-violation", o.expect_violation,
               "exit 0 only if some seed reports a violation (negative tests)");
  app.add_flag("--check-determinism", o.check_determinism,
               "run every seed twice and compare hashes");
  CLI11_PARSE(app, argc, argv);
  auto start = std::chrono::steady_clock::now(); // wall time only for the speed report
  auto rc = caudal::sim::run_cli(o, std::cout, [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  });
  return rc;
}
