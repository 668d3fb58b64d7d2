#define BOOST_TEST_MODULE sim_cluster
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "sim/cluster/cluster_scenario.h"
#include "sim/cluster/cluster_sim.h"

using namespace caudal::sim::cluster;

namespace {

struct quiet {
  quiet() { spdlog::set_level(spdlog::level::off); }
};
BOOST_TEST_GLOBAL_FIXTURE(quiet);

cluster_sim_config scenario(const std::string& name) {
  cluster_sim_config cfg;
  auto err = load_cluster_scenario(std::string(CAUDAL_SIM_SCENARIOS) + "/" + name, cfg);
  BOOST_REQUIRE_MESSAGE(err.empty(), err);
  return cfg;
}

void print_failure(const cluster_sim_result& r) {
  if (r.ok) return;
  std::cerr << r.summary() << "\n";
  for (auto& v : r.violations) std::cerr << "  violation: " << v << "\n";
}

/// Runs the seeds; every one must pass.
sweep_totals clean_sweep(const std::string& name, uint64_t first, uint64_t count) {
  return sweep_cluster_sim(scenario(name), first, count, [&](const cluster_sim_result& r) {
    print_failure(r);
    BOOST_TEST(r.ok, name << " seed " << r.seed);
  });
}

/// The first seed in [first, first+count) that fails, or 0.
uint64_t first_failing(const cluster_sim_config& cfg, uint64_t first, uint64_t count) {
  for (auto s = first; s < first + count; ++s) {
    auto c = cfg;
    c.seed = s;
    if (!run_cluster_sim(c).ok) return s;
  }
  return 0;
}

} // namespace

BOOST_AUTO_TEST_CASE(mixed_sweep_of_50_seeds) {
  auto t = clean_sweep("cluster-mixed.json", 1, 50);
  BOOST_TEST(t.failures == 0u);
  BOOST_TEST(t.crashes > 20u);
  BOOST_TEST(t.partitions > 10u);
  BOOST_TEST(t.one_way > 10u);
  BOOST_TEST(t.flaps > 20u);
  BOOST_TEST(t.clogs > 20u);
  BOOST_TEST(t.rolling_restarts > 5u);
  BOOST_TEST(t.pauses > 5u);
  BOOST_TEST(t.acked > 50u * 100u);
}

BOOST_AUTO_TEST_CASE(fault_scenarios) {
  BOOST_TEST(clean_sweep("cluster-leader-faults.json", 100, 10).crashes > 5u);
  BOOST_TEST(clean_sweep("cluster-flaky-network.json", 200, 10).flaps > 5u);
  BOOST_TEST(clean_sweep("cluster-power-loss.json", 300, 10).power_losses > 5u);
}

BOOST_AUTO_TEST_CASE(same_seed_same_hash_and_trace) {
  std::set<uint64_t> hashes;
  for (uint64_t seed : {3u, 4u, 5u}) {
    std::ostringstream t1, t2;
    auto cfg = scenario("cluster-mixed.json");
    cfg.seed = seed;
    cfg.duration_ms = 6000;
    cfg.trace = &t1;
    auto a = run_cluster_sim(cfg);
    cfg.trace = &t2;
    auto b = run_cluster_sim(cfg);
    BOOST_TEST(a.hash == b.hash);
    BOOST_TEST(a.jobs == b.jobs);
    BOOST_TEST((t1.str() == t2.str()));
    BOOST_TEST(t1.str().size() > 1000u);
    hashes.insert(a.hash);
  }
  BOOST_TEST(hashes.size() == 3u);
}

// The tests are tested: each injected bug must be caught within 20 seeds,
// and the same fault mix without the bug must pass on those seeds.
BOOST_AUTO_TEST_CASE(ack_before_commit_is_caught) {
  auto cfg = scenario("cluster-negative-ack-before-commit.json");
  auto seed = first_failing(cfg, 1, 20);
  BOOST_TEST(seed != 0u);
  if (seed == 0) return;
  cfg.clients.bug_ack_on_leader_append = false;
  cfg.seed = seed;
  auto r = run_cluster_sim(cfg);
  print_failure(r);
  BOOST_TEST(r.ok);
}

BOOST_AUTO_TEST_CASE(lying_fsync_is_caught) {
  auto cfg = scenario("cluster-negative-lying-fsync.json");
  auto seed = first_failing(cfg, 1, 20);
  BOOST_TEST(seed != 0u);
  if (seed == 0) return;
  cfg.bug_lying_fsync = false;
  cfg.seed = seed;
  auto r = run_cluster_sim(cfg);
  print_failure(r);
  BOOST_TEST(r.ok);
}

BOOST_AUTO_TEST_CASE(scenario_errors_are_reported) {
  cluster_sim_config cfg;
  BOOST_TEST(parse_cluster_scenario("{\"duraton_s\": 3}", cfg) == "unknown key duraton_s");
  BOOST_TEST(parse_cluster_scenario("{\"faults\": {\"crash\": true}}", cfg) ==
             "unknown key faults.crash");
  BOOST_TEST(parse_cluster_scenario("{\"nodes\": 2}", cfg) == "bad value for nodes");
  BOOST_TEST(parse_cluster_scenario("[", cfg) == "not valid JSON");
  BOOST_TEST(parse_cluster_scenario("{\"workload\": {\"producers\": 5}}", cfg) == "");
  BOOST_TEST(cfg.clients.producers == 5);
}
