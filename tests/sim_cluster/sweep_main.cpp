// sim_cluster_sweep: the multi-node simulator's runner as a stand-alone tool
// (the same run_cluster_cli that `caudal-sim --cluster N` calls), for long
// sweeps outside ctest: sim_cluster_sweep --seed 1 --seeds 10000.
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "sim/cluster/cluster_cli.h"
#include "sim/cluster/cluster_scenario.h"

int main(int argc, char** argv) {
  CLI::App app{"Caudal multi-node simulator sweep"};
  caudal::sim::cluster::cluster_cli_options o;
  int64_t duration_s = o.config.duration_ms / 1000;
  app.add_option("--cluster", o.config.nodes, "nodes (3)");
  app.add_option("--scenario", o.scenario, "cluster scenario (configs/sim/cluster-*.json)");
  app.add_option("--seed", o.config.seed, "first seed (or the one seed to replay)");
  app.add_option("--seeds", o.seeds, "number of seeds to sweep");
  app.add_option("--duration", duration_s, "simulated seconds of the faulty phase");
  app.add_flag("--trace", o.trace, "print one line per event");
  app.add_flag("--bug-lying-fsync", o.config.bug_lying_fsync, "inject: fsync syncs nothing");
  app.add_flag("--bug-ack-before-commit", o.config.clients.bug_ack_on_leader_append,
               "inject: produce answered at the leader's append (acks=1)");
  app.add_flag("--majority-power-loss", o.config.faults.majority_power_loss,
               "add correlated power losses of a majority");
  app.add_flag("--expect-violation", o.expect_violation, "exit 0 only if some seed fails");
  app.add_flag("--check-determinism", o.check_determinism, "every seed twice, hashes compared");
  CLI11_PARSE(app, argc, argv);
  if (!o.scenario.empty()) {
    // Loaded over what the command line set: the file's keys win.
    auto err = caudal::sim::cluster::load_cluster_scenario(o.scenario, o.config);
    if (!err.empty()) {
      std::cerr << err << "\n";
      return 2;
    }
  }
  if (app.count("--duration") > 0 || o.scenario.empty()) o.config.duration_ms = duration_s * 1000;
  spdlog::set_level(spdlog::level::off);
  auto start = std::chrono::steady_clock::now(); // wall time only for the speed report
  return caudal::sim::cluster::run_cluster_cli(o, std::cout, [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  });
}
