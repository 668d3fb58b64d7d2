// caudal-sim: runs the deterministic simulator (see docs/simulator.md).
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "sim/cluster/cluster_cli.h"
#include "sim/cluster/cluster_scenario.h"
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
  int cluster_nodes = 0;
  bool bug_ack_before_commit = false, majority_power_loss = false;
  app.add_option(
      "--cluster", cluster_nodes,
      "simulate a cluster of N nodes (multi-node scenarios: configs/sim/cluster-*.json)");
  app.add_flag(
      "--bug-ack-before-commit", bug_ack_before_commit,
      "--cluster: inject the bug: produce answered at the leader's append, not the commit");
  app.add_flag("--majority-power-loss", majority_power_loss,
               "--cluster: add correlated power losses of a majority to the fault mix");
  bool node_log = false;
  app.add_flag("--node-log", node_log,
               "--cluster: keep the nodes' own log lines (info level; off by default)");
  CLI11_PARSE(app, argc, argv);
  auto start = std::chrono::steady_clock::now(); // wall time only for the speed report
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (cluster_nodes > 0) { // the multi-node simulator (sim/cluster/)
    spdlog::set_level(node_log ? spdlog::level::info : spdlog::level::off);
    caudal::sim::cluster::cluster_cli_options c;
    c.scenario = o.scenario;
    if (!o.scenario.empty()) {
      auto err = caudal::sim::cluster::load_cluster_scenario(o.scenario, c.config);
      if (!err.empty()) {
        std::cerr << err << "\n";
        return 2;
      }
    }
    c.config.nodes = cluster_nodes;
    c.config.seed = o.seed;
    if (o.duration_s > 0) c.config.duration_ms = static_cast<int64_t>(o.duration_s * 1000);
    c.config.bug_lying_fsync = c.config.bug_lying_fsync || o.bug;
    c.config.clients.bug_ack_on_leader_append =
        c.config.clients.bug_ack_on_leader_append || bug_ack_before_commit;
    c.config.faults.majority_power_loss =
        c.config.faults.majority_power_loss || majority_power_loss;
    c.seeds = o.seeds;
    c.trace = o.trace;
    c.check_determinism = o.check_determinism;
    c.expect_violation = o.expect_violation;
    return caudal::sim::cluster::run_cluster_cli(c, std::cout, wall);
  }
  auto rc = caudal::sim::run_cli(o, std::cout, [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  });
  return rc;
}
