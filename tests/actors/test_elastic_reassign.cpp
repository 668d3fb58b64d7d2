// AlterPartitionReassignments / ListPartitionReassignments through the
// cluster topic managers of four nodes (controllers, replicated partitions,
// simulated network, virtual clock): a whole new replica list is reached
// step by step and listed until it is; a pending move is cancelled; errors.
#define BOOST_TEST_MODULE elastic_reassign
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "elastic_fixture.h"

using namespace caudal;
using namespace caudal::actors;
using caudal::testing::elastic_fixture;
namespace msg = caudal::protocol::msg;

namespace {

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::vector<int32_t> sorted(std::vector<int32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

int16_t partition_error(const msg::alter_partition_reassignments_response& r) {
  BOOST_REQUIRE_EQUAL(r.responses.size(), 1u);
  BOOST_REQUIRE_EQUAL(r.responses[0].partitions.size(), 1u);
  return r.responses[0].partitions[0].error_code;
}

/// The listed move of partition 0 of `topic`, if any.
const msg::list_partition_reassignments_response::ongoing_partition_reassignment*
listed(const msg::list_partition_reassignments_response& r, const std::string& topic) {
  for (auto& t : r.topics)
    if (t.name == topic)
      for (auto& p : t.partitions)
        if (p.partition_index == 0) return &p;
  return nullptr;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(whole_new_replica_list_is_reached_step_by_step, elastic_fixture) {
  await_stable_cluster();
  create_topic("moves", 1, 2);
  auto original = state(ids[0], "moves", 0)->replicas;
  std::vector<int32_t> target;
  for (auto id : ids)
    if (!has(original, id)) target.push_back(id);
  BOOST_REQUIRE_EQUAL(target.size(), 2u); // two in, two out: two single steps at least

  auto r = alter(ids[1], "moves", 0, target);
  BOOST_TEST(r.error_code == 0);
  BOOST_TEST(partition_error(r) == 0);

  auto l = list(ids[2]);
  BOOST_TEST(l.error_code == 0);
  const auto* p = listed(l, "moves");
  BOOST_REQUIRE(p);
  BOOST_TEST(sorted(p->adding_replicas) == sorted(target));
  BOOST_TEST(sorted(p->removing_replicas) == sorted(original));
  BOOST_TEST((std::vector<int32_t>(p->replicas.begin(), p->replicas.begin() + 2) == target));

  // Until node 3's image shows the final list, List (at node 3) shows a move.
  std::set<std::vector<int32_t>> holder_sets;
  auto obs = ids[2];
  auto done = [&] {
    auto& img = *seen[obs]->image;
    const auto* t = img.topic("moves");
    const auto* ps = img.partition(t->id, 0);
    return ps->replicas == target && !ps->reassigning() && !img.reassignment_goal(t->id, 0);
  };
  int listed_while_pending = 0;
  for (int k = 0; k < 300 && !done(); ++k) {
    const auto* ps = state(obs, "moves", 0);
    std::vector<int32_t> holders;
    for (auto n : ps->replicas)
      if (!has(ps->adding, n)) holders.push_back(n);
    holder_sets.insert(sorted(holders));
    auto now = list(obs);
    if (!done()) {
      BOOST_REQUIRE_MESSAGE(listed(now, "moves"), "a pending move vanished from List");
      ++listed_while_pending;
    }
    run_for(100);
  }
  BOOST_REQUIRE(done());
  BOOST_TEST_MESSAGE("holder sets seen: " << holder_sets.size() << ", List calls while pending: "
                                          << listed_while_pending);
  // An intermediate replica set (one old, one new replica) was passed.
  bool intermediate = false;
  for (auto& s : holder_sets) intermediate |= s != sorted(original) && s != sorted(target);
  BOOST_TEST(intermediate);
  BOOST_TEST(run_until([&] {
    return all_show("moves", 0, [&](const metadata::partition_state& ps) {
      return ps.replicas == target && ps.leader >= 0 && ps.isr.size() == 2;
    });
  }));
  BOOST_TEST(list(ids[0]).topics.empty());
  // The old replicas are dropped from their nodes.
  for (auto old : original)
    BOOST_TEST(run_until([&] {
      const auto* t = caches[old]->get()->find("moves");
      return t && !t->partitions[0];
    }));
}

BOOST_FIXTURE_TEST_CASE(pending_move_is_cancelled_and_errors_are_per_partition, elastic_fixture) {
  await_stable_cluster();
  create_topic("c", 1, 3);
  const auto before = *state(ids[0], "c", 0);
  int32_t fresh = -1;
  for (auto id : ids)
    if (!has(before.replicas, id)) fresh = id;
  // The new replica can never catch up: the move stays pending.
  std::set<int32_t> rest;
  for (auto id : ids)
    if (id != fresh) rest.insert(id);
  net.partition({fresh}, rest);
  auto via = *rest.begin();
  std::vector<int32_t> target;
  for (auto n : before.replicas)
    if (n != before.leader && target.size() + 2 < before.replicas.size()) target.push_back(n);
  target.insert(target.begin(), before.leader);
  target.push_back(fresh);
  auto r = alter(via, "c", 0, target);
  BOOST_TEST(partition_error(r) == 0);
  run_for(2000);
  auto pending = list(via);
  const auto* p = listed(pending, "c");
  BOOST_REQUIRE(p);
  BOOST_TEST(p->adding_replicas == std::vector<int32_t>{fresh});
  BOOST_TEST(p->removing_replicas.size() == 1u);

  // Cancel (replicas = null): back to the original replicas.
  r = alter(via, "c", 0, std::nullopt);
  BOOST_TEST(partition_error(r) == 0);
  const auto* now = state(via, "c", 0);
  BOOST_TEST(!now->reassigning());
  BOOST_TEST(sorted(now->replicas) == sorted(before.replicas));
  BOOST_TEST(!listed(list(via), "c"));
  BOOST_TEST(partition_error(alter(via, "c", 0, std::nullopt)) == 85); // nothing to cancel

  BOOST_TEST(partition_error(alter(via, "nope", 0, std::vector<int32_t>{1})) == 3);
  BOOST_TEST(partition_error(alter(via, "c", 7, std::vector<int32_t>{1})) == 3);
  BOOST_TEST(partition_error(alter(via, "c", 0, std::vector<int32_t>{1, 1, 2})) == 39);
  BOOST_TEST(partition_error(alter(via, "c", 0, std::vector<int32_t>{1, 2, 99})) == 39);
  BOOST_TEST(partition_error(alter(via, "c", 0, std::vector<int32_t>{})) == 39);
  net.heal();
  // Still serving with its original replicas after the network heals.
  BOOST_TEST(run_until([&] {
    return all_show("c", 0, [&](const metadata::partition_state& ps) {
      return sorted(ps.replicas) == sorted(before.replicas) && ps.leader >= 0 && ps.isr.size() == 3;
    });
  }));
}
