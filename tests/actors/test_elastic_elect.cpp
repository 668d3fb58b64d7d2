// ElectLeaders and UnregisterBroker through the cluster topic managers of
// four nodes (controllers, replicated partitions, simulated network,
// virtual clock).
#define BOOST_TEST_MODULE elastic_elect
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

int16_t code_of(const msg::elect_leaders_response& r) {
  BOOST_REQUIRE_EQUAL(r.replica_election_results.size(), 1u);
  BOOST_REQUIRE_EQUAL(r.replica_election_results[0].partition_result.size(), 1u);
  return r.replica_election_results[0].partition_result[0].error_code;
}

/// `first` moved to the front of the partition's replica list (a reorder:
/// no voter change, so the image shows it at once).
std::vector<int32_t> with_first(std::vector<int32_t> replicas, int32_t first) {
  replicas.erase(std::find(replicas.begin(), replicas.end(), first));
  replicas.insert(replicas.begin(), first);
  return replicas;
}

int16_t alter_code(const msg::alter_partition_reassignments_response& r) {
  return r.responses.at(0).partitions.at(0).error_code;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(preferred_election_moves_leadership_and_reports_errors, elastic_fixture) {
  await_stable_cluster();
  create_topic("e", 1, 3);
  auto via = ids[3];
  const auto before = *state(via, "e", 0);
  if (before.leader == before.replicas.front())
    BOOST_TEST(code_of(elect(via, 0, "e", {0})) == 84); // ELECTION_NOT_NEEDED
  // Make another replica the preferred one, then elect it.
  int32_t pref = before.replicas[0] != before.leader ? before.replicas[0] : before.replicas[1];
  BOOST_TEST(alter_code(alter(via, "e", 0, with_first(before.replicas, pref))) == 0);
  BOOST_REQUIRE(run_until([&] { return state(via, "e", 0)->replicas.front() == pref; }));
  BOOST_TEST(code_of(elect(via, 0, "e", {0})) == 0);
  BOOST_TEST(state(via, "e", 0)->leader == pref); // answered once the image shows it
  BOOST_TEST(run_until([&] {
    return all_show("e", 0, [&](const metadata::partition_state& ps) { return ps.leader == pref; });
  }));
  BOOST_TEST(code_of(elect(via, 0, "e", {0})) == 84);
  BOOST_TEST(elect_all(via).replica_election_results.empty()); // nothing to elect
  BOOST_TEST(code_of(elect(via, 1, "e", {0})) == 84);          // unclean: has a leader
  BOOST_TEST(code_of(elect(via, 0, "e", {9})) == 3);
  BOOST_TEST(code_of(elect(via, 0, "missing", {0})) == 3);
  BOOST_TEST(code_of(elect(via, 5, "e", {0})) == 42); // unknown election type

  // A preferred replica cut off from the others: the leader cannot hand
  // over (not caught up) -> REQUEST_TIMED_OUT while the image still lists
  // it in sync; once it left the ISR -> PREFERRED_LEADER_NOT_AVAILABLE.
  int32_t cut = -1;
  for (auto r : state(via, "e", 0)->replicas)
    if (r != pref) cut = r;
  BOOST_TEST(alter_code(alter(via, "e", 0, with_first(state(via, "e", 0)->replicas, cut))) == 0);
  BOOST_REQUIRE(run_until([&] {
    return all_show("e", 0, [&](const metadata::partition_state& ps) {
      return ps.replicas.front() == cut && ps.isr.size() == 3 && ps.leader == pref;
    });
  }));
  std::set<int32_t> rest;
  for (auto id : ids)
    if (id != cut) rest.insert(id);
  via = *rest.begin();
  net.partition({cut}, rest);
  auto c = code_of(elect(via, 0, "e", {0}, 1500));
  BOOST_TEST((c == 7 || c == 80));
  BOOST_TEST(state(via, "e", 0)->leader == pref);
  BOOST_REQUIRE(run_until([&] { return !has(state(via, "e", 0)->isr, cut); }, 60000));
  BOOST_TEST(code_of(elect(via, 0, "e", {0})) == 80);
  // All partitions: the one that needs an election and cannot have it is listed.
  auto all = elect_all(via);
  BOOST_REQUIRE_EQUAL(all.replica_election_results.size(), 1u);
  BOOST_TEST(all.replica_election_results[0].partition_result.at(0).error_code == 80);
  net.heal();
  BOOST_REQUIRE(run_until([&] { return has(state(via, "e", 0)->isr, cut); }, 60000));
  // The rejoining replica's higher epoch forces an election it may win.
  c = code_of(elect(via, 0, "e", {0}));
  BOOST_TEST((c == 0 || c == 84));
  BOOST_TEST(state(via, "e", 0)->leader == cut);
}

BOOST_FIXTURE_TEST_CASE(unregister_drains_the_node_leadership_first, elastic_fixture) {
  await_stable_cluster();
  create_topic("d", 1, 3);
  const auto before = *state(ids[0], "d", 0);
  auto drained = before.leader;
  int32_t fresh = -1;
  for (auto id : ids)
    if (!has(before.replicas, id)) fresh = id;
  int32_t obs = -1;
  for (auto id : ids)
    if (id != drained && id != fresh) obs = id;
  // The receiving node is slow: its new replica takes a while to catch up,
  // so an immediate hand-over is visible before it votes.
  for (auto id : ids)
    if (id != fresh) {
      net.set_link(id, fresh, sim::link_config{300, 300, 0.0, 0.0});
      net.set_link(fresh, id, sim::link_config{300, 300, 0.0, 0.0});
    }
  BOOST_TEST(unregister(obs, 99).error_code == 102); // BROKER_ID_NOT_REGISTERED
  auto r = unregister(obs, drained);
  BOOST_TEST(r.error_code == 0);
  BOOST_TEST(seen[obs]->image->node(drained)->decommissioned);
  // The first image without `drained` leading still lists it as a replica,
  // and the added replica is not a voter yet.
  std::optional<metadata::partition_state> moved;
  BOOST_REQUIRE(run_until([&] {
    const auto* ps = state(obs, "d", 0);
    if (ps->leader >= 0 && ps->leader != drained) moved = *ps;
    return moved.has_value();
  }));
  BOOST_TEST(has(moved->replicas, drained));
  BOOST_TEST(has(moved->adding, fresh));
  // The drain completes: the node holds no replica, and is no broker in Metadata.
  BOOST_TEST(run_until(
      [&] {
        return all_show("d", 0, [&](const metadata::partition_state& ps) {
          return !has(ps.replicas, drained) && has(ps.replicas, fresh) && !ps.reassigning() &&
                 ps.leader >= 0 && ps.isr.size() == 3;
        });
      },
      60000));
  for (auto& b : caches[obs]->get()->brokers) BOOST_TEST(b.id != drained);
  BOOST_TEST(run_until([&] {
    const auto* t = caches[drained]->get()->find("d");
    return t && !t->partitions[0];
  }));
  // Again: idempotent.
  BOOST_TEST(unregister(obs, drained).error_code == 0);
}

namespace {

struct balancing_fixture : elastic_fixture {
  balancing_fixture()
      : elastic_fixture({{"auto.leader.rebalance.enable", "true"},
                         {"leader.imbalance.check.interval.seconds", "2"}}) {}
};

} // namespace

BOOST_FIXTURE_TEST_CASE(leaders_return_to_preferred_replicas_by_themselves, balancing_fixture) {
  await_stable_cluster();
  create_topic("b", 1, 3);
  auto via = ids[0];
  const auto before = *state(via, "b", 0);
  int32_t pref = before.replicas[0] != before.leader ? before.replicas[0] : before.replicas[1];
  BOOST_TEST(alter_code(alter(via, "b", 0, with_first(before.replicas, pref))) == 0);
  auto start = now_ms();
  // No ElectLeaders: the leader's node notices at its next check (2 s).
  BOOST_TEST(run_until(
      [&] {
        return all_show("b", 0, [&](const metadata::partition_state& ps) {
          return ps.leader == pref && ps.replicas.front() == pref;
        });
      },
      10000));
  BOOST_TEST_MESSAGE("preferred leader after " << now_ms() - start << " ms");
  BOOST_TEST(now_ms() - start <= 5000);
}
