#include "sim/cluster/cluster_cli.h"

#include <cstdio>
#include <string>

namespace caudal::sim::cluster {

namespace {

std::string replay_command(const cluster_cli_options& opt, uint64_t seed) {
  auto& c = opt.config;
  std::string cmd = "caudal-sim --cluster " + std::to_string(c.nodes) + " --seed " +
                    std::to_string(seed) + " --duration " + std::to_string(c.duration_ms / 1000) +
                    " --trace";
  if (!opt.scenario.empty()) cmd += " --scenario " + opt.scenario;
  if (c.bug_lying_fsync) cmd += " --bug-lying-fsync";
  if (c.clients.bug_ack_on_leader_append) cmd += " --bug-ack-before-commit";
  if (c.faults.majority_power_loss) cmd += " --majority-power-loss";
  return cmd;
}

void report(const cluster_cli_options& opt, const cluster_sim_result& r, std::ostream& out) {
  out << r.summary() << "\n";
  for (auto& v : r.violations) out << "  violation: " << v << "\n";
  if (!r.ok) out << "  replay: " << replay_command(opt, r.seed) << "\n";
}

} // namespace

int run_cluster_cli(const cluster_cli_options& opt, std::ostream& out,
                    const std::function<double()>& wall_seconds) {
  auto cfg = opt.config;
  bool single = opt.seeds == 1;
  cfg.trace = single && opt.trace ? &out : nullptr;
  double start = wall_seconds();
  uint64_t nondeterministic = 0;
  auto totals = sweep_cluster_sim(cfg, cfg.seed, opt.seeds, [&](const cluster_sim_result& r) {
    if (single || !r.ok) report(opt, r, out);
    if (!opt.check_determinism) return;
    auto again = cfg;
    again.seed = r.seed;
    again.trace = nullptr;
    auto r2 = run_cluster_sim(again);
    if (r2.hash != r.hash || r2.jobs != r.jobs) {
      ++nondeterministic;
      out << "seed " << r.seed << " NONDETERMINISTIC: hash " << r.hash << " then " << r2.hash
          << "\n";
    }
  });
  double wall = wall_seconds() - start;
  char speed[64];
  snprintf(speed, sizeof speed, "%.1f",
           wall > 0 ? static_cast<double>(totals.sim_ms) / 1000.0 / wall : 0.0);
  out << "cluster of " << cfg.nodes << ": " << totals.runs << " seeds, " << totals.failures
      << " failed; crashes=" << totals.crashes << " power_losses=" << totals.power_losses
      << " partitions=" << totals.partitions << " one_way=" << totals.one_way
      << " flaps=" << totals.flaps << " clogs=" << totals.clogs
      << " rolling_restarts=" << totals.rolling_restarts << " pauses=" << totals.pauses
      << " reassigns=" << totals.reassign_attempts << " moves_started=" << totals.moves_started
      << " moves_completed=" << totals.moves_completed << " decommissions=" << totals.decommissions
      << " joins=" << totals.joins << " rebalances=" << totals.rebalances
      << " acked=" << totals.acked << "; simulated " << totals.sim_ms / 1000 << " s in "
      << static_cast<int64_t>(wall * 1000) << " ms wall = " << speed << " sim s per wall s\n";
  if (nondeterministic > 0) return 1;
  if (opt.expect_violation) return totals.failures > 0 ? 0 : 1;
  return totals.failures == 0 ? 0 : 1;
}

} // namespace caudal::sim::cluster
