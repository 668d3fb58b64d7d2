// Multi-step reassignments (metadata/goals.h): a target several replicas
// away becomes a goal reached one replica in / one out at a time, each step
// started when a leader report completes the previous one.
#define BOOST_TEST_MODULE metadata_goals
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "fixtures.h"
#include "metadata/goals.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;
namespace metadata = caudal::metadata;

namespace {

struct six_nodes {
  image img;
  uuid tid = test_uuid(7);
  six_nodes() {
    for (node_id n = 1; n <= 6; ++n) add_live_node(img, n);
    metadata::apply(img, topic_record{"t", tid, false});
    metadata::apply(img, partition_record{tid, 0, {1, 2, 3}, 1, 1, {1, 2, 3}, {}, {}});
  }
  const partition_state& ps() { return *img.partition(tid, 0); }
  std::vector<node_id> holders() {
    std::vector<node_id> out;
    for (auto n : ps().replicas)
      if (std::find(ps().adding.begin(), ps().adding.end(), n) == ps().adding.end())
        out.push_back(n);
    return out;
  }
  /// The leader (or the first voter) reports every replica in sync, then
  /// the controller continues the goal, as actors/controller_commands does.
  void report_all_in_sync() {
    auto leader = ps().leader;
    if (leader == no_leader) leader = holders().front();
    partition_report r{leader, 1, tid, 0, ps().leader_epoch + 1, ps().replicas};
    auto res = report_partitions(img, {r});
    BOOST_REQUIRE_EQUAL(res.items.at(0).error, 0);
    metadata::apply(img, res.records);
    metadata::apply(img, continue_goal(img, tid, 0));
  }
};

bool one_step(const std::vector<node_id>& a, const std::vector<node_id>& b) {
  auto missing = [](const std::vector<node_id>& x, const std::vector<node_id>& in) {
    return std::count_if(x.begin(), x.end(),
                         [&](node_id n) { return std::find(in.begin(), in.end(), n) == in.end(); });
  };
  return missing(a, b) <= 1 && missing(b, a) <= 1;
}

} // namespace

BOOST_AUTO_TEST_CASE(next_step_keeps_the_leader_and_ends_at_the_goal) {
  partition_state st{{1, 2, 3}, 1, 1, {1, 2, 3}, {}, {}};
  BOOST_TEST(!fits_one_step(st, {4, 5, 6}));
  BOOST_TEST((next_step(st, {4, 5, 6}) == std::vector<node_id>{1, 4, 3}));
  BOOST_TEST((next_step(st, {2, 3, 4}) == std::vector<node_id>{2, 3, 4})); // one step: the goal
  BOOST_TEST((next_step(st, {1}) == std::vector<node_id>{1, 3}));          // removals only
  BOOST_TEST((next_step(st, {1, 2, 3, 4, 5}) == std::vector<node_id>{1, 2, 3, 4}));
}

BOOST_FIXTURE_TEST_CASE(goal_is_reached_one_replica_at_a_time, six_nodes) {
  auto res = reassign_towards(img, {"t", 0, std::vector<node_id>{4, 5, 6}});
  BOOST_REQUIRE_EQUAL(res.items.size(), 1u);
  BOOST_TEST(res.items[0].error == 0);
  metadata::apply(img, res.records);
  BOOST_REQUIRE(img.reassignment_goal(tid, 0));
  BOOST_TEST(ps().reassigning());
  // The replicas holding the data change one replica in / one out at a time.
  auto before = std::vector<node_id>{1, 2, 3};
  int steps = 0;
  for (int k = 0; k < 20 && img.reassignment_goal(tid, 0); ++k) {
    report_all_in_sync();
    auto now = holders();
    if (now == before) continue;
    BOOST_TEST(one_step(before, now));
    before = now;
    ++steps;
  }
  BOOST_TEST(!img.reassignment_goal(tid, 0));
  BOOST_TEST((ps().replicas == std::vector<node_id>{4, 5, 6})); // the goal's order
  BOOST_TEST(!ps().reassigning());
  BOOST_TEST(steps >= 3);
}

BOOST_FIXTURE_TEST_CASE(removals_only_complete_at_once, six_nodes) {
  auto res = reassign_towards(img, {"t", 0, std::vector<node_id>{3}});
  BOOST_TEST(res.items.at(0).error == 0);
  metadata::apply(img, res.records);
  BOOST_TEST((ps().replicas == std::vector<node_id>{3}));
  BOOST_TEST(!img.reassignment_goal(tid, 0));
}

BOOST_FIXTURE_TEST_CASE(cancel_drops_the_goal_and_reverts_the_step, six_nodes) {
  metadata::apply(img, reassign_towards(img, {"t", 0, std::vector<node_id>{4, 5, 6}}).records);
  auto res = cancel_reassignment(img, {"t", 0, std::nullopt});
  BOOST_TEST(res.items.at(0).error == 0);
  metadata::apply(img, res.records);
  BOOST_TEST(!img.reassignment_goal(tid, 0));
  BOOST_TEST(!ps().reassigning());
  std::vector<node_id> now = ps().replicas;
  std::sort(now.begin(), now.end());
  BOOST_TEST((now == std::vector<node_id>{1, 2, 3}));
  BOOST_TEST(cancel_reassignment(img, {"t", 0, std::nullopt}).items.at(0).error == 85);
}

BOOST_FIXTURE_TEST_CASE(goal_on_a_decommissioned_node_is_dropped, six_nodes) {
  metadata::apply(img, reassign_towards(img, {"t", 0, std::vector<node_id>{4, 5, 6}}).records);
  metadata::apply(img, decommission_node{6});
  for (int k = 0; k < 10 && img.reassignment_goal(tid, 0); ++k) report_all_in_sync();
  BOOST_TEST(!img.reassignment_goal(tid, 0));
  BOOST_TEST(!ps().reassigning());
  BOOST_TEST(reassign_towards(img, {"t", 0, std::vector<node_id>{4, 5, 6}}).items.at(0).error ==
             39);
}

BOOST_FIXTURE_TEST_CASE(goal_survives_replay_and_clears_with_the_topic, six_nodes) {
  auto recs = reassign_towards(img, {"t", 0, std::vector<node_id>{4, 5, 6}}).records;
  metadata::apply(img, recs);
  BOOST_REQUIRE(img.reassignment_goal(tid, 0));
  metadata::apply(img, remove_topic{tid});
  BOOST_TEST(img.reassignment_goals.empty());
}
