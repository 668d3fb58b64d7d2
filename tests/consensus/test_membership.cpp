// Membership changes of a live group: observers entering the ISR, voter-set
// updates applied one member at a time (the leader's HW follows the new
// majority, a removed leader hands over), leadership transfer, and the
// randomized cluster simulation with voter changes under chaos.
#define BOOST_TEST_MODULE consensus_membership
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <iostream>

#include "support/harness.h"
#include "support/sim.h"

using namespace caudal::consensus;
using namespace caudal::consensus::testing;

namespace {

bool has(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

/// Three voters and observer 4 with the replica list {1,2,3,4}; a leader elected.
node_id start(harness& h) {
  for (node_id n : {1, 2, 3, 4}) h.rep(n).set_replicas({1, 2, 3, 4});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  return l;
}

void set_all(harness& h, const std::vector<node_id>& voters) {
  for (node_id n : {1, 2, 3, 4}) h.rep(n).set_voters(voters, h.now);
  h.settle();
}

} // namespace

BOOST_AUTO_TEST_CASE(caught_up_observer_in_the_isr_only_if_listed) {
  harness h({1, 2, 3}, {4});
  node_id l = start(h);
  BOOST_REQUIRE_EQUAL(h.append(l, "a").error, 0);
  h.advance(200);
  BOOST_TEST(has(h.rep(l).in_sync_replicas(h.now), 4));
  BOOST_TEST(h.rep(l).in_sync_replicas(h.now).size() == 4u);
  // Not in the replica list: an observer like the controller's followers.
  h.rep(l).set_replicas({1, 2, 3});
  BOOST_TEST(!has(h.rep(l).in_sync_replicas(h.now), 4));
}

BOOST_AUTO_TEST_CASE(lagging_observer_is_not_in_the_isr) {
  harness h({1, 2, 3}, {4});
  node_id l = start(h);
  h.drop = [](node_id from, node_id to, const message&) { return from == 4 || to == 4; };
  BOOST_REQUIRE_EQUAL(h.append(l, "a").error, 0);
  h.advance(200);
  BOOST_TEST(!has(h.rep(l).in_sync_replicas(h.now), 4));
}

BOOST_AUTO_TEST_CASE(added_voter_counts_for_the_high_watermark) {
  harness h({1, 2, 3}, {4});
  node_id l = start(h);
  h.advance(200);
  set_all(h, {1, 2, 3, 4});
  BOOST_TEST(h.rep(4).is_voter());
  // Four voters: a majority is three. With two of the others cut off the
  // leader cannot commit although it and one follower have the entry.
  std::vector<node_id> others;
  for (node_id n : {1, 2, 3, 4})
    if (n != l) others.push_back(n);
  node_id cut1 = others[0], cut2 = others[1];
  h.drop = [&](node_id from, node_id to, const message&) {
    return from == cut1 || to == cut1 || from == cut2 || to == cut2;
  };
  int64_t hw = h.rep(l).high_watermark();
  auto r = h.append(l, "x");
  BOOST_REQUIRE_EQUAL(r.error, 0);
  h.advance(100);
  BOOST_TEST(h.rep(l).high_watermark() == hw);
  h.drop = nullptr;
  h.advance(1000); // the cut followers re-send their fetches after a timeout
  BOOST_TEST(h.rep(l).high_watermark() > r.last_offset);
}

BOOST_AUTO_TEST_CASE(new_voter_can_campaign_removed_voter_cannot) {
  harness h({1, 2, 3}, {4});
  start(h);
  h.advance(200);
  set_all(h, {2, 3, 4});
  h.advance(100);
  BOOST_TEST(!h.rep(1).is_voter());
  BOOST_TEST(h.rep(4).is_voter());
  // Crash everyone but 4's peers' logs stay; 1 never campaigns again.
  for (int i = 0; i < 5; ++i) {
    node_id l = h.leader();
    BOOST_REQUIRE(l != no_node);
    BOOST_TEST(l != 1);
    h.restart(l, false);
    h.rep(l).set_voters({2, 3, 4}, h.now);
    h.rep(l).set_replicas({2, 3, 4});
    h.elect();
  }
  BOOST_TEST((h.rep(1).role() != replica_role::leader));
}

BOOST_AUTO_TEST_CASE(removed_leader_hands_over_at_once) {
  harness h({1, 2, 3}, {4});
  node_id l = start(h);
  BOOST_REQUIRE_EQUAL(h.append(l, "a").error, 0);
  h.advance(300);
  set_all(h, {1, 2, 3, 4});
  h.advance(300);
  std::vector<node_id> rest;
  for (node_id n : {1, 2, 3, 4})
    if (n != l) rest.push_back(n);
  int32_t epoch = h.rep(l).epoch();
  set_all(h, rest);
  // No election timeout (1500 ms by default) passes: the successor
  // campaigns on the timeout_now message.
  h.advance(50);
  node_id next = h.leader();
  BOOST_TEST(next != no_node);
  BOOST_TEST(next != l);
  BOOST_TEST(h.rep(next).epoch() == epoch + 1);
  BOOST_TEST(!h.rep(l).is_voter());
  BOOST_TEST((h.rep(l).role() == replica_role::follower));
  // The former leader keeps following as an observer.
  BOOST_REQUIRE_EQUAL(h.append(next, "b").error, 0);
  h.advance(300);
  BOOST_TEST(h.rep(l).end_offset() == h.rep(next).end_offset());
}

BOOST_AUTO_TEST_CASE(transfer_refuses_appends_then_moves_leadership) {
  harness h({1, 2, 3});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  node_id target = l == 1 ? 2 : 1;
  BOOST_REQUIRE_EQUAL(h.append(l, "a").error, 0);
  BOOST_TEST(!h.rep(l).transfer_leadership(l, h.now));
  BOOST_TEST(!h.rep(l).transfer_leadership(9, h.now));
  // Hold the target's fetches so the transfer has to wait.
  h.drop = [&](node_id from, node_id, const message&) { return from == target; };
  BOOST_TEST(h.rep(l).transfer_leadership(target, h.now));
  BOOST_TEST(h.rep(l).append(std::span<uint8_t>{}, h.now).error == errc::not_leader_or_follower);
  auto b = make_batch("refused");
  BOOST_TEST(h.rep(l).append(b, h.now).error == errc::not_leader_or_follower);
  h.drop = nullptr;
  h.advance(100);
  BOOST_TEST(h.leader() == target);
  BOOST_TEST((h.rep(l).role() == replica_role::follower));
}

BOOST_AUTO_TEST_CASE(transfer_to_unreachable_target_gives_up) {
  harness h({1, 2, 3});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  node_id target = l == 1 ? 2 : 1;
  BOOST_REQUIRE_EQUAL(h.append(l, "a").error, 0);
  h.drop = [&](node_id from, node_id to, const message&) { return from == target || to == target; };
  BOOST_REQUIRE(h.rep(l).transfer_leadership(target, h.now));
  h.advance(1000);
  BOOST_TEST(h.rep(l).transferring_to() == target);
  h.advance(600); // the election timeout passed: appends are taken again
  BOOST_TEST(h.rep(l).transferring_to() == no_node);
  BOOST_TEST(h.leader() == l);
  BOOST_TEST(h.append(l, "b").error == 0);
}

BOOST_AUTO_TEST_CASE(removed_candidate_stops_campaigning) {
  harness h({1, 2, 3});
  h.drop = [](node_id, node_id, const message&) { return true; };
  h.advance(3100); // everyone campaigns alone
  BOOST_REQUIRE((h.rep(1).role() == replica_role::candidate));
  h.rep(1).set_voters({2, 3}, h.now);
  BOOST_TEST((h.rep(1).role() == replica_role::follower));
  h.advance(5000);
  BOOST_TEST((h.rep(1).role() == replica_role::follower));
}

BOOST_AUTO_TEST_CASE(randomized_cluster_with_voter_changes) {
  int seeds = 300;
  if (const char* s = std::getenv("CAUDAL_SIM_SEEDS")) seeds = std::atoi(s);
  int64_t changes = 0, transfers = 0, acked = 0;
  for (int i = 0; i < seeds; ++i) {
    sim_options opt;
    opt.seed = 70000 + static_cast<uint64_t>(i);
    opt.voters = 3;
    opt.observers = 2;
    opt.membership_changes = true;
    opt.membership_every_ms = 100;
    sim_stats s = run_cluster_sim(opt);
    BOOST_REQUIRE_MESSAGE(s.ok, s.violation);
    changes += s.voter_changes;
    transfers += s.transfers;
    acked += s.acked;
  }
  BOOST_TEST(changes > 2 * seeds); // the changes really happen
  BOOST_TEST(acked > 50 * seeds);
  std::cout << "membership sim: " << seeds << " seeds, voter changes/seed "
            << double(changes) / seeds << ", transfers/seed " << double(transfers) / seeds
            << ", acked/seed " << double(acked) / seeds << "\n";
}

BOOST_AUTO_TEST_CASE(checkers_catch_changes_without_the_holding_rule) {
  // Negative control: voter changes made without checking that the next set
  // holds the committed prefix lose acknowledged entries, and the checkers
  // must see it within the same seed budget.
  int found = 0;
  for (int i = 0; i < 300 && found == 0; ++i) {
    sim_options opt;
    opt.seed = 70000 + static_cast<uint64_t>(i);
    opt.voters = 3;
    opt.observers = 2;
    opt.membership_changes = true;
    opt.membership_every_ms = 100;
    opt.membership_ignores_holding = true;
    if (!run_cluster_sim(opt).ok) ++found;
  }
  BOOST_TEST(found > 0);
}
