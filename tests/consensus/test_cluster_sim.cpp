// Randomized, deterministic cluster simulations of the consensus core (see
// support/sim.h): many seeds, 3 and 5 voters plus an observer, with every
// safety checker after every event and a liveness bound after healing.
#define BOOST_TEST_MODULE consensus_cluster_sim
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "support/sim.h"

using namespace caudal::consensus;
using namespace caudal::consensus::testing;

namespace {

// CAUDAL_SIM_SEEDS overrides the seed count per cluster size (soak runs).
int seed_count(int dflt) {
  const char* s = std::getenv("CAUDAL_SIM_SEEDS");
  return s ? std::atoi(s) : dflt;
}

void run_many(int voters, int seeds, uint64_t first_seed) {
  auto t0 = std::chrono::steady_clock::now();
  int64_t elections = 0, acked = 0, committed = 0, crashes = 0, heal_max = 0;
  for (int i = 0; i < seeds; ++i) {
    sim_options opt;
    opt.seed = first_seed + static_cast<uint64_t>(i);
    opt.voters = voters;
    sim_stats s = run_cluster_sim(opt);
    BOOST_REQUIRE_MESSAGE(s.ok, s.violation);
    elections += s.elections;
    acked += s.acked;
    committed += s.committed;
    crashes += s.crashes;
    heal_max = std::max(heal_max, s.heal_ms);
  }
  // Some seeds are too hostile to commit anything; on average most appends
  // must still be acknowledged.
  BOOST_TEST(acked > 50 * seeds);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << voters << " voters + 1 observer: " << seeds << " seeds in " << secs
            << " s; elections/seed " << double(elections) / seeds << ", acked appends/seed "
            << double(acked) / seeds << ", committed entries/seed " << double(committed) / seeds
            << ", crashes/seed " << double(crashes) / seeds << ", worst heal " << heal_max
            << " ms (virtual)\n";
}

} // namespace

BOOST_AUTO_TEST_CASE(three_voters_many_seeds) { run_many(3, seed_count(500), 1000); }

BOOST_AUTO_TEST_CASE(five_voters_many_seeds) { run_many(5, seed_count(500), 5000); }

BOOST_AUTO_TEST_CASE(network_extremes) {
  // Heavy loss; heavy duplication with long delays (stale and reordered
  // responses galore, fetches re-sent while the first is still under way); and the no-fsync mode,
  // which is safe as long as nothing crashes.
  for (int variant = 0; variant < 3; ++variant) {
    for (int voters : {3, 5}) {
      for (int i = 1; i <= seed_count(100); ++i) {
        sim_options opt;
        opt.seed = 20000 + static_cast<uint64_t>(variant * 1000 + i);
        opt.voters = voters;
        if (variant == 0) opt.loss = 0.3;
        if (variant == 1) {
          opt.duplication = 0.3;
          opt.max_delay_ms = 150;
          opt.election_timeout_ms = 800; // timeouts must stay above round trips
        }
        if (variant == 2) opt.flush_before_ack = false, opt.crashes = false;
        sim_stats s = run_cluster_sim(opt);
        BOOST_REQUIRE_MESSAGE(s.ok, "variant " << variant << ": " << s.violation);
      }
    }
  }
}

namespace {

/// Options of the fault-detection runs: slow timers (a busy node) widen the
/// window between an append and the leader's flush, faults come often, and
/// (optionally) one batch per fetch makes followers acknowledge an old
/// epoch's entries before the new leader's marker.
sim_options harsh(int voters, uint64_t seed, bool batch_by_batch) {
  sim_options opt;
  opt.seed = seed;
  opt.voters = voters;
  opt.tick_jitter_ms = 40;
  opt.chaos_every_ms = 150;
  opt.leader_crash_bias = 0.7;
  if (batch_by_batch) opt.fetch_max_bytes = 1;
  return opt;
}

/// Runs seeds with a deliberately broken rule; returns how many seeds ran
/// until the first violation (0 if none was found).
int seeds_until_violation(fault_injection f, int voters, int max_seeds, bool batch_by_batch) {
  for (int i = 1; i <= max_seeds; ++i) {
    sim_options opt = harsh(voters, 90000 + static_cast<uint64_t>(i), batch_by_batch);
    opt.faults = f;
    sim_stats s = run_cluster_sim(opt);
    if (!s.ok) {
      std::cout << "broken rule caught after " << i
                << " seeds: " << s.violation.substr(0, s.violation.find('\n')) << "\n";
      return i;
    }
  }
  return 0;
}

} // namespace

BOOST_AUTO_TEST_CASE(harsh_schedule_is_safe_with_the_rules_intact) {
  // The control for the two cases below: same seeds, no broken rule.
  for (bool batch_by_batch : {false, true}) {
    for (int voters : {3, 5}) {
      for (int i = 1; i <= seed_count(300); ++i) {
        auto seed = 90000 + static_cast<uint64_t>(i);
        sim_stats s = run_cluster_sim(harsh(voters, seed, batch_by_batch));
        BOOST_REQUIRE_MESSAGE(s.ok, s.violation);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(checker_catches_votes_without_log_comparison) {
  fault_injection f;
  f.grant_vote_ignoring_log = true;
  BOOST_TEST(seeds_until_violation(f, 3, 300, false) > 0);
  BOOST_TEST(seeds_until_violation(f, 5, 300, false) > 0);
}

BOOST_AUTO_TEST_CASE(checker_catches_counting_unflushed_leader_end) {
  fault_injection f;
  f.count_unflushed_leader_end = true;
  BOOST_TEST(seeds_until_violation(f, 3, 300, false) > 0);
}

BOOST_AUTO_TEST_CASE(checker_catches_commit_before_marker) {
  fault_injection f;
  f.commit_before_marker = true;
  BOOST_TEST(seeds_until_violation(f, 3, 300, true) > 0);
  BOOST_TEST(seeds_until_violation(f, 5, 300, true) > 0);
}
