#include "sim/runner.h"

#include <cstdio>

#include "sim/scenario.h"
#include "sim/simulation.h"

namespace caudal::sim {

namespace {

std::string replay_command(const runner_options& o, uint64_t seed) {
  std::string cmd = "caudal-sim --seed " + std::to_string(seed);
  if (!o.scenario.empty()) cmd += " --scenario " + o.scenario;
  if (o.duration_s >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", o.duration_s);
    cmd += std::string(" --duration ") + buf;
  }
  if (o.no_crashes) cmd += " --no-crashes";
  if (o.default_flush) cmd += " --default-flush";
  if (o.bug) cmd += " --bug-lying-fsync";
  if (o.bug_retry) cmd += " --bug-retry-without-pid";
  return cmd + " --trace";
}

std::string hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void print_result(std::ostream& out, const sim_result& r) {
  out << "seed " << r.seed << (r.ok() ? " ok" : " FAIL") << " hash=" << hex(r.hash)
      << " sim_ms=" << r.simulated_ms << " crashes=" << r.crashes << " pauses=" << r.pauses
      << " clock_jumps=" << r.clock_jumps << " fsync_failures=" << r.fsync_failures
      << " no_space=" << r.no_space_failures << " commits=" << r.commits << " sent=" << r.sent
      << " acked=" << r.acked << " lost_allowed=" << r.allowed_losses
      << " stored=" << r.final_records << " events=" << r.trace_lines << " jobs=" << r.jobs << "\n";
  for (auto& v : r.violations) out << "  violation: " << v << "\n";
}

} // namespace

int run_cli(const runner_options& o, std::ostream& out,
            const std::function<double()>& wall_seconds) {
  sim_config base;
  if (!o.scenario.empty()) {
    if (auto e = load_scenario(o.scenario, base); !e.empty()) {
      out << "error: " << e << "\n";
      return 2;
    }
  }
  if (o.duration_s >= 0) base.duration_ms = static_cast<int64_t>(o.duration_s * 1000);
  if (o.no_crashes) base.crashes = false;
  if (o.default_flush) base.durable = false;
  if (o.bug) base.bug_lying_fsync = true;
  if (o.bug_retry) base.bug_retry_without_pid = true;
  uint64_t failed = 0, nondeterministic = 0, crashes = 0, acked = 0, lost = 0, faults = 0;
  double simulated_s = 0;
  bool single = o.seeds <= 1;
  for (uint64_t i = 0; i < std::max<uint64_t>(o.seeds, 1); ++i) {
    auto cfg = base;
    cfg.seed = o.seed + i;
    auto r = run_simulation(cfg, o.trace && single ? &out : nullptr);
    simulated_s += static_cast<double>(r.simulated_ms) / 1000.0;
    crashes += r.crashes;
    faults += r.pauses + r.clock_jumps + r.fsync_failures + r.no_space_failures;
    acked += r.acked;
    lost += r.allowed_losses;
    if (o.check_determinism) {
      auto again = run_simulation(cfg, nullptr);
      simulated_s += static_cast<double>(again.simulated_ms) / 1000.0;
      if (again.hash != r.hash) {
        ++nondeterministic;
        out << "seed " << cfg.seed << " NONDETERMINISTIC: hash " << hex(r.hash) << " then "
            << hex(again.hash) << "\n";
      }
    }
    if (single || !r.ok()) print_result(out, r);
    if (!r.ok()) {
      ++failed;
      out << "  replay: " << replay_command(o, cfg.seed) << "\n";
    }
  }
  double wall = wall_seconds();
  out << "seeds " << o.seed << ".." << o.seed + std::max<uint64_t>(o.seeds, 1) - 1 << ": " << failed
      << " failed";
  if (o.check_determinism) out << ", " << nondeterministic << " nondeterministic";
  out << "; " << crashes << " crashes, " << faults << " other faults, " << acked << " acked, "
      << lost << " acked lost (allowed)";
  out << "; " << simulated_s << " simulated s in " << wall << " wall s ("
      << (wall > 0 ? simulated_s / wall : 0) << " sim s/wall s)\n";
  if (nondeterministic > 0) return 1;
  if (o.expect_violation) return failed > 0 ? 0 : 1;
  return failed == 0 ? 0 : 1;
}

} // namespace caudal::sim
