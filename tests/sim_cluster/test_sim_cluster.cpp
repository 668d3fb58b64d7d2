#define BOOST_TEST_MODULE sim_cluster
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "protocol/record_builder.h"
#include "sim/cluster/cluster_scenario.h"
#include "sim/cluster/cluster_sim.h"
#include "sim/cluster/replica_check.h"
#include "storage/mem_filesystem.h"
#include "storage/partition_log.h"

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

/// Writes `batches` one-record batches to partition 0 of "events" in `dir`.
void write_log(caudal::storage::filesystem& fs, const std::string& dir, int batches) {
  namespace st = caudal::storage;
  auto log = st::partition_log::open(fs, st::partition_dir(dir, "events", 0), st::log_config{}, 0);
  BOOST_REQUIRE(log);
  for (int i = 0; i < batches; ++i) {
    caudal::protocol::batch_builder b;
    b.add_text(1000, "k", "v" + std::to_string(i));
    auto bytes = b.build();
    BOOST_REQUIRE((*log)->append(bytes, 1, 1000));
  }
  BOOST_REQUIRE((*log)->flush());
}

} // namespace

// A node the partition moved off keeps a stale, shorter directory: the check
// compares only the replicas the final image lists.
BOOST_AUTO_TEST_CASE(replica_check_reads_only_listed_replicas) {
  caudal::storage::mem_filesystem a, b, c;
  write_log(a, "/d", 3);
  write_log(b, "/d", 3);
  write_log(c, "/d", 1);
  std::vector<replica_disk> disks{{1, &a, "/d"}, {2, &b, "/d"}, {3, &c, "/d"}};
  std::map<int32_t, int64_t> committed{{0, 3}};
  BOOST_TEST(check_replicas(disks, "events", committed, {{0, {1, 2}}}, 0).empty());
  auto all = check_replicas(disks, "events", committed, {{0, {1, 2, 3}}}, 0);
  BOOST_REQUIRE(all.size() == 1u);
  BOOST_TEST(all[0].find("on n3 holds 1 of the 3") != std::string::npos);
  auto none = check_replicas(disks, "events", committed, {}, 0);
  BOOST_REQUIRE(none.size() == 1u);
  BOOST_TEST(none[0] == "no replica list for p0 in the final image");
}

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

// Reassignment under load: 4 nodes, RF=3, moves mixed with crashes,
// partitions, pauses and flaps. Every seed must pass (every move completes
// and the replicas the final image lists are identical), and the moves must
// actually have happened.
BOOST_AUTO_TEST_CASE(reassign_sweep_of_30_seeds) {
  auto t = clean_sweep("cluster-reassign.json", 400, 30);
  BOOST_TEST(t.failures == 0u);
  BOOST_TEST(t.reassign_attempts > 50u);
  BOOST_TEST(t.moves_started > 30u);
  BOOST_TEST(t.moves_completed > 30u);
  BOOST_TEST(t.crashes > 10u);
  BOOST_TEST(t.partitions > 5u);
  BOOST_TEST(t.pauses > 5u);
  BOOST_TEST(t.flaps > 10u);
  BOOST_TEST(t.acked > 30u * 100u);
}

// One node drained per run (5 nodes, RF=3) among moves, crashes, partitions
// and pauses: the drain must complete (no partition lists the node at the end).
BOOST_AUTO_TEST_CASE(drain_sweep_of_10_seeds) {
  auto t = clean_sweep("cluster-drain.json", 500, 10);
  BOOST_TEST(t.failures == 0u);
  BOOST_TEST(t.decommissions > 5u);
  BOOST_TEST(t.moves_completed > 5u);
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
  BOOST_TEST(parse_cluster_scenario("{\"workload\": {\"replication_factor\": 0}}", cfg) ==
             "bad value for workload.replication_factor");
  BOOST_TEST(parse_cluster_scenario("{\"faults\": {\"reassign\": 1}}", cfg) ==
             "bad value for faults.reassign");
  BOOST_TEST(parse_cluster_scenario(
                 "{\"faults\": {\"reassign\": true}, \"workload\": {\"replication_factor\": 3}}",
                 cfg) == "");
  BOOST_TEST(cfg.faults.reassign);
  BOOST_TEST(cfg.clients.replication_factor == 3);
}
