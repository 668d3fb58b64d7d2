#define BOOST_TEST_MODULE sim
#include <boost/test/unit_test.hpp>

#include <set>
#include <sstream>

#include "sim/group_consumer.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "storage/mem_filesystem.h"

using namespace caudal::sim;

namespace {

sim_config scenario(const std::string& name) {
  sim_config cfg;
  auto err = load_scenario(std::string(CAUDAL_SIM_SCENARIOS) + "/" + name, cfg);
  BOOST_REQUIRE_MESSAGE(err.empty(), err);
  return cfg;
}

std::string report(const sim_result& r) {
  std::string s = "seed " + std::to_string(r.seed);
  for (auto& v : r.violations) s += "\n  " + v;
  return s;
}

} // namespace

// The CI sweep: 200 seeds of the durable scenario with crashes; each must pass
// the checkers and the liveness phase, and the faults must really happen.
BOOST_AUTO_TEST_CASE(durable_sweep_of_200_seeds) {
  auto cfg = scenario("durable.json");
  cfg.duration_ms = 2500;
  uint64_t crashes = 0, acked = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    cfg.seed = seed;
    auto r = run_simulation(cfg);
    BOOST_CHECK_MESSAGE(r.ok(), report(r) + "\n  replay: caudal-sim --seed " +
                                    std::to_string(seed) +
                                    " --scenario configs/sim/durable.json --duration 2.5 --trace");
    // Durable: every acknowledged record is stored; requests whose outcome the
    // client never learned may be stored too.
    BOOST_CHECK_GE(r.final_records, r.acked);
    crashes += r.crashes;
    acked += r.acked;
  }
  BOOST_TEST_MESSAGE("200 seeds: " << crashes << " crashes, " << acked << " acknowledged records");
  BOOST_CHECK_GT(crashes, 150u); // the faults really happen
  BOOST_CHECK_GT(acked, 10000u);
}

// Totals of a sweep, to check that the faults and workloads really happen.
struct sweep_totals {
  uint64_t crashes = 0, pauses = 0, jumps = 0, fsync = 0, no_space = 0, commits = 0, acked = 0;
};

sweep_totals sweep(const std::string& name, uint64_t first, uint64_t count) {
  auto cfg = scenario(name);
  sweep_totals t;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    cfg.seed = seed;
    auto r = run_simulation(cfg);
    BOOST_CHECK_MESSAGE(r.ok(), report(r) + "\n  replay: caudal-sim --seed " +
                                    std::to_string(seed) + " --scenario configs/sim/" + name +
                                    " --trace");
    t.crashes += r.crashes;
    t.pauses += r.pauses;
    t.jumps += r.clock_jumps;
    t.fsync += r.fsync_failures;
    t.no_space += r.no_space_failures;
    t.commits += r.commits;
    t.acked += r.acked;
  }
  return t;
}

// The CI sweep of the mixed scenario: every fault and workload at once.
BOOST_AUTO_TEST_CASE(mixed_sweep_of_300_seeds) {
  auto t = sweep("mixed.json", 1, 300);
  BOOST_TEST_MESSAGE("mixed: " << t.crashes << " crashes, " << t.pauses << " pauses, " << t.jumps
                               << " clock jumps, " << t.fsync << " fsync failures, " << t.no_space
                               << " disk-full refusals, " << t.commits << " commits");
  BOOST_CHECK_GT(t.crashes, 300u);
  BOOST_CHECK_GT(t.pauses, 100u);
  BOOST_CHECK_GT(t.jumps, 100u);
  BOOST_CHECK_GT(t.fsync, 30u);
  BOOST_CHECK_GT(t.no_space, 30u);
  BOOST_CHECK_GT(t.commits, 3000u);
}

BOOST_AUTO_TEST_CASE(fault_scenarios) {
  BOOST_CHECK_GT(sweep("fsync_fail.json", 500, 30).fsync, 10u);
  BOOST_CHECK_GT(sweep("disk_full.json", 600, 30).no_space, 10u);
  auto pd = sweep("pause_drift.json", 700, 30);
  BOOST_CHECK_GT(pd.pauses, 10u);
  BOOST_CHECK_GT(pd.jumps, 10u);
  BOOST_CHECK_GT(sweep("idempotent_crash.json", 800, 30).acked, 3000u);
  BOOST_CHECK_GT(sweep("groups_crash.json", 900, 30).commits, 1000u);
  BOOST_CHECK_GT(sweep("default_flush_groups.json", 1000, 30).commits, 500u);
}

BOOST_AUTO_TEST_CASE(default_flush_sweep) {
  auto cfg = scenario("default_flush.json");
  cfg.duration_ms = 2500;
  for (uint64_t seed = 1000; seed < 1050; ++seed) {
    cfg.seed = seed;
    auto r = run_simulation(cfg);
    BOOST_CHECK_MESSAGE(r.ok(), report(r));
  }
}

// Same seed, same run: the hash covers every trace line, the final logs and
// the number of scheduler steps; the printed traces are identical too.
BOOST_AUTO_TEST_CASE(same_seed_same_hash_and_trace) {
  auto cfg = scenario("mixed.json");
  cfg.duration_ms = 2500;
  std::set<uint64_t> hashes;
  for (uint64_t seed = 7; seed < 17; ++seed) {
    cfg.seed = seed;
    std::ostringstream t1, t2;
    auto a = run_simulation(cfg, &t1);
    auto b = run_simulation(cfg, &t2);
    BOOST_CHECK_EQUAL(a.hash, b.hash);
    BOOST_CHECK(t1.str() == t2.str());
    BOOST_CHECK_EQUAL(a.jobs, b.jobs);
    hashes.insert(a.hash);
  }
  BOOST_CHECK_EQUAL(hashes.size(), 10u); // different seeds, different runs
}

// The negative test: with the harness's lying fsync, acknowledged writes are
// lost in crashes and the checker must say so within 10 seeds.
BOOST_AUTO_TEST_CASE(lying_fsync_is_caught) {
  auto cfg = scenario("negative_lying_fsync.json");
  bool caught = false;
  std::string first;
  for (uint64_t seed = 1; seed <= 10 && !caught; ++seed) {
    cfg.seed = seed;
    auto r = run_simulation(cfg);
    if (!r.ok()) {
      caught = true;
      first = report(r);
    }
  }
  BOOST_CHECK_MESSAGE(caught, "the checker missed the lying fsync in 10 seeds");
  BOOST_CHECK(first.find("acknowledged") != std::string::npos ||
              first.find("final log") != std::string::npos);
}

// The second injected bug: idempotent retries that lose their producer id
// (the broker's sequence check is skipped) store records twice.
BOOST_AUTO_TEST_CASE(retry_without_pid_is_caught) {
  auto cfg = scenario("negative_retry_without_pid.json");
  bool caught = false;
  for (uint64_t seed = 1; seed <= 20 && !caught; ++seed) {
    cfg.seed = seed;
    auto r = run_simulation(cfg);
    for (auto& v : r.violations) caught = caught || v.find("stored twice") != std::string::npos;
  }
  BOOST_CHECK_MESSAGE(caught, "the checker missed the duplicate in 20 seeds");
  // Without the bug the same scenario passes: the duplicates come from the bug.
  cfg.bug_retry_without_pid = false;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    cfg.seed = seed;
    auto r = run_simulation(cfg);
    BOOST_CHECK_MESSAGE(r.ok(), report(r));
  }
}

// The retention check is live: clock jumps past retention.ms (2 h against
// 1 h) let retention delete acknowledged data, and the checker must say so.
BOOST_AUTO_TEST_CASE(clock_jump_past_retention_is_caught) {
  auto cfg = scenario("pause_drift.json");
  cfg.clock_jump_max_ms = 7200000;
  bool caught = false;
  for (uint64_t seed = 1; seed <= 20 && !caught; ++seed) {
    cfg.seed = seed;
    caught = !run_simulation(cfg).ok();
  }
  BOOST_CHECK_MESSAGE(caught, "retention deleted nothing or the checker missed it in 20 seeds");
}

BOOST_AUTO_TEST_CASE(disk_faults_of_mem_filesystem) {
  caudal::storage::mem_filesystem fs;
  BOOST_REQUIRE(fs.create_dirs("/d"));
  fs.set_faults({0, 100}, 1);
  auto f = fs.open("/d/a", caudal::storage::open_mode::create);
  BOOST_REQUIRE(f);
  std::vector<uint8_t> bytes(60, 7);
  BOOST_CHECK((*f)->append(bytes));
  auto full = (*f)->append(bytes); // 120 > 100: refused, nothing written
  BOOST_CHECK(!full);
  BOOST_CHECK(full.error().code == caudal::storage::errc::no_space);
  BOOST_CHECK_EQUAL((*f)->size(), 60u);
  BOOST_CHECK_EQUAL(fs.no_space_failures(), 1u);
  fs.set_faults({1000, 0}, 1); // every sync fails and keeps nothing
  BOOST_CHECK(!(*f)->sync());
  fs.crash();
  auto again = fs.open("/d/a", caudal::storage::open_mode::existing);
  BOOST_CHECK(!again || (*again)->size() == 0);
  BOOST_CHECK_EQUAL(fs.injected_sync_failures(), 1u);
}

BOOST_AUTO_TEST_CASE(range_assignment_and_its_encoding) {
  auto a = range_assign({"c", "a", "b"}, 4);
  BOOST_CHECK((a["a"] == std::vector<int32_t>{0, 1}));
  BOOST_CHECK((a["b"] == std::vector<int32_t>{2}));
  BOOST_CHECK((a["c"] == std::vector<int32_t>{3}));
  std::vector<int32_t> back;
  BOOST_CHECK(decode_assignment(encode_assignment("t", a["a"]), back).empty());
  BOOST_CHECK(back == a["a"]);
  BOOST_CHECK(!decode_assignment({0, 0, 0, 0, 0, 9}, back).empty());
}

BOOST_AUTO_TEST_CASE(scenario_errors_are_reported) {
  sim_config cfg;
  BOOST_CHECK(!apply_scenario_json("{\"duraton_s\": 5}", cfg).empty());
  BOOST_CHECK(!apply_scenario_json("{\"duration_s\": \"five\"}", cfg).empty());
  BOOST_CHECK(!apply_scenario_json("[1,2]", cfg).empty());
  BOOST_CHECK(!apply_scenario_json("{\"workload\": {\"partitions\": 0}}", cfg).empty());
  BOOST_CHECK(!apply_scenario_json("{\"fsync_fail_per_mille\": 2000}", cfg).empty());
  BOOST_CHECK(!apply_scenario_json("{\"workload\": {\"group_members\": -1}}", cfg).empty());
  cfg = sim_config{}; // a rejected scenario may have set some fields already
  BOOST_CHECK(apply_scenario_json("{\"duration_s\": 1.5}", cfg).empty());
  BOOST_CHECK_EQUAL(cfg.duration_ms, 1500);
}
