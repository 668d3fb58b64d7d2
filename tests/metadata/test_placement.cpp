#define BOOST_TEST_MODULE metadata_placement
#include <boost/test/unit_test.hpp>

#include <climits>
#include <set>

#include "fixtures.h"
#include "metadata/errors.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;
namespace metadata = caudal::metadata;

namespace {

std::vector<node_slot> racked(int racks, int per_rack) {
  std::vector<node_slot> out;
  for (int r = 0; r < racks; ++r)
    for (int i = 0; i < per_rack; ++i)
      out.push_back({r * per_rack + i + 1, "rack" + std::to_string(r)});
  return out;
}

std::string rack_of(const std::vector<node_slot>& nodes, node_id id) {
  for (const auto& n : nodes)
    if (n.id == id) return n.rack.value_or("");
  return "?";
}

bool holds(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

bool distinct(const std::vector<node_id>& v) {
  return std::set<node_id>(v.begin(), v.end()).size() == v.size();
}

/// A live cluster of `n` nodes with one topic; with racks, node i is in
/// rack "r<i % 3>".
image cluster(int n, int32_t partitions, int16_t rf, uint64_t seed, bool racks = false) {
  image img;
  for (int i = 1; i <= n; ++i)
    add_live_node(img, i,
                  racks ? std::optional<std::string>("r" + std::to_string(i % 3)) : std::nullopt);
  rng gen(seed);
  create_topic(img, "t", partitions, rf, gen);
  return img;
}

} // namespace

BOOST_AUTO_TEST_CASE(rack_spread_three_racks_two_nodes_each) {
  auto nodes = racked(3, 2);
  for (uint64_t seed = 0; seed < 50; ++seed) {
    rng gen(seed);
    auto p = place_replicas(nodes, 24, 3, gen);
    BOOST_REQUIRE(p.error == 0);
    BOOST_REQUIRE(p.replicas.size() == 24u);
    for (const auto& reps : p.replicas) {
      BOOST_TEST(reps.size() == 3u);
      BOOST_TEST(distinct(reps));
      std::set<std::string> racks;
      for (auto r : reps) racks.insert(rack_of(nodes, r));
      BOOST_TEST(racks.size() == 3u, "seed " << seed);
    }
  }
}

BOOST_AUTO_TEST_CASE(uneven_racks_still_use_every_rack) {
  std::vector<node_slot> nodes{{1, "a"}, {2, "a"}, {3, "a"}, {4, "b"}};
  rng gen(3);
  auto p = place_replicas(nodes, 16, 2, gen);
  BOOST_REQUIRE(p.error == 0);
  for (const auto& reps : p.replicas)
    BOOST_TEST(rack_of(nodes, reps[0]) != rack_of(nodes, reps[1]));
}

BOOST_AUTO_TEST_CASE(leaders_and_replicas_balanced) {
  auto nodes = racked(3, 2);
  rng gen(42);
  auto p = place_replicas(nodes, 12, 3, gen);
  BOOST_REQUIRE(p.error == 0);
  std::map<node_id, int> leaders, replicas;
  for (const auto& reps : p.replicas) {
    ++leaders[reps[0]];
    for (auto r : reps) ++replicas[r];
  }
  BOOST_TEST(leaders.size() == 6u);
  for (auto& [n, c] : leaders) BOOST_TEST(c == 2, "node " << n << " leads " << c);
  for (auto& [n, c] : replicas) BOOST_TEST((c >= 5 && c <= 7), "node " << n << " holds " << c);
}

BOOST_AUTO_TEST_CASE(no_racks) {
  std::vector<node_slot> nodes{{5, {}}, {6, {}}, {7, {}}, {8, {}}};
  rng gen(1);
  auto p = place_replicas(nodes, 8, 4, gen);
  BOOST_REQUIRE(p.error == 0);
  for (const auto& reps : p.replicas) BOOST_TEST(distinct(reps));
}

BOOST_AUTO_TEST_CASE(deterministic_per_seed) {
  auto nodes = racked(3, 3);
  rng a(7), b(7);
  BOOST_TEST(
      (place_replicas(nodes, 30, 3, a).replicas == place_replicas(nodes, 30, 3, b).replicas));
  // Input order does not matter, only the node set.
  auto reversed = nodes;
  std::reverse(reversed.begin(), reversed.end());
  rng c(7), d(7);
  BOOST_TEST(
      (place_replicas(nodes, 30, 3, c).replicas == place_replicas(reversed, 30, 3, d).replicas));
  // Different seeds give different layouts (at least for some seed).
  int differing = 0;
  rng base(7);
  auto first = place_replicas(nodes, 30, 3, base).replicas;
  for (uint64_t s = 8; s < 20; ++s) {
    rng g(s);
    differing += place_replicas(nodes, 30, 3, g).replicas != first;
  }
  BOOST_TEST(differing > 0);
}

BOOST_AUTO_TEST_CASE(errors) {
  auto nodes = racked(1, 3);
  rng gen(0);
  BOOST_TEST(place_replicas(nodes, 1, 4, gen).error == errc::invalid_replication_factor);
  BOOST_TEST(place_replicas(nodes, 1, 0, gen).error == errc::invalid_replication_factor);
  BOOST_TEST(place_replicas({}, 1, 1, gen).error == errc::invalid_replication_factor);
  BOOST_TEST(place_replicas(nodes, 0, 1, gen).error == errc::invalid_partitions);
  BOOST_TEST(place_replicas(nodes, INT32_MAX, 1, gen).error == errc::invalid_partitions);
  BOOST_TEST(place_replicas(nodes, 1, 4, gen).message ==
             "Replication factor: 4 larger than available brokers: 3.");
}

BOOST_AUTO_TEST_CASE(adding_a_fourth_node_moves_a_quarter) {
  auto img = cluster(3, 12, 3, 5);
  add_live_node(img, 4, "r1");
  auto plan = rebalance(img, {1, 2, 3, 4});
  BOOST_REQUIRE(plan.error == 0);
  BOOST_TEST(plan.moved_replicas() == 9); // 36 replicas / 4 nodes: node 4 gets exactly 9
  for (const auto& m : plan.moves) {
    BOOST_TEST(m.to.size() == 3u);
    BOOST_TEST(distinct(m.to));
  }
  // Finish the reassignments: the new replicas catch up and join the ISR.
  metadata::apply(img, reassignment_records(img, plan));
  for (const auto& m : plan.moves) {
    const auto* st = img.partition(m.partition.topic_id, m.partition.partition);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->target_replicas() == m.to);
    BOOST_TEST(st->replicas.size() == 4u); // 3 targets + the leaving one until done
  }
  for (auto& [n, c] : replica_counts(img)) BOOST_TEST(c == 9, "node " << n);
  // Balanced already: nothing more to move.
  BOOST_TEST(rebalance(img, {1, 2, 3, 4}).moves.empty());
}

BOOST_AUTO_TEST_CASE(rebalance_keeps_rack_spread) {
  // Nodes 1, 2, 3 are in racks r1, r2, r0; every partition spans all three.
  // Node 4 joins rack r1, so it may only take replicas from node 1 (the
  // other moves would put two replicas in r1): 12 + 0 ends as 6 + 6.
  auto img = cluster(3, 12, 3, 5, true);
  add_live_node(img, 4, "r1");
  auto plan = rebalance(img, {1, 2, 3, 4});
  BOOST_REQUIRE(plan.error == 0);
  BOOST_TEST(plan.moved_replicas() == 6);
  for (const auto& m : plan.moves) {
    std::set<std::string> racks;
    for (auto n : m.to) racks.insert(*img.node(n)->registration.rack);
    BOOST_TEST(racks.size() == 3u);
    BOOST_TEST(!holds(m.to, 1));
  }
}

BOOST_AUTO_TEST_CASE(draining_a_node_empties_it) {
  auto img = cluster(4, 16, 3, 9);
  auto plan = rebalance(img, {1, 3, 4});
  BOOST_REQUIRE(plan.error == 0);
  metadata::apply(img, reassignment_records(img, plan));
  auto counts = replica_counts(img);
  BOOST_TEST(counts.count(2) == 0u);
  int total = 0;
  for (auto& [n, c] : counts) total += c;
  BOOST_TEST(total == 48);
  for (const auto& [id, t] : img.topics)
    for (const auto& [p, st] : t.partitions) BOOST_TEST(st.target_replicas().size() == 3u);
}

BOOST_AUTO_TEST_CASE(too_few_targets) {
  auto img = cluster(3, 4, 3, 1);
  auto plan = rebalance(img, {1, 2});
  BOOST_TEST(plan.error == errc::invalid_replication_factor);
  BOOST_TEST(plan.moves.empty());
}
