// The election timer: what restarts it and what does not (consensus/README.md,
// "Election"). A follower's timer counts from the last word of a leader or
// the last vote it granted; news of a newer epoch from a candidate that
// cannot win must not postpone its own campaign, or a voter with a stale log
// that keeps drawing the shortest timeout keeps the group leaderless
// (cluster simulator, cluster-reassign.json seed 3959).
#define BOOST_TEST_MODULE consensus_election_timer
#include <boost/test/unit_test.hpp>

#include "support/harness.h"

using namespace caudal::consensus;
using namespace caudal::consensus::testing;

namespace {

constexpr int64_t timeout_ms = 1500; // replica_config's default election timeout

replica_config config(node_id self) {
  replica_config c;
  c.group = "t/0";
  c.self = self;
  c.voters = {1, 2, 3};
  c.election_timeout_ms = timeout_ms;
  return c;
}

/// A log holding `n` data entries of epoch 1.
void fill(mem_log& log, int n) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < n; ++i) encode(entry{i, 1, 0, {static_cast<uint8_t>(i)}}, bytes);
  BOOST_REQUIRE(log.append_replicated(bytes));
  BOOST_REQUIRE(log.flush());
}

/// Ticks `r` every millisecond from `from` until it campaigns; the time, or -1.
int64_t campaign_time(replica& r, int64_t from, int64_t until) {
  for (int64_t t = from; t <= until; ++t) {
    r.tick(t);
    r.take_outbox();
    if (r.role() == replica_role::candidate) return t;
  }
  return -1;
}

struct follower_pair {
  mem_log log_a, log_b;
  mem_store store_a, store_b;
  std::unique_ptr<replica> a, b; // same seed, same log: the same timer draws
  follower_pair() {
    fill(log_a, 5);
    fill(log_b, 5);
    a = std::make_unique<replica>(config(2), log_a, store_a, 42, 0);
    b = std::make_unique<replica>(config(2), log_b, store_b, 42, 0);
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(stale_candidate_does_not_restart_a_followers_timer) {
  follower_pair p;
  int64_t undisturbed = campaign_time(*p.b, 0, 2 * timeout_ms);
  BOOST_REQUIRE(undisturbed >= timeout_ms);
  // At 1000 ms a voter with a shorter log asks for epoch 5: refused, epoch
  // adopted, and the follower still campaigns when it would have anyway.
  BOOST_REQUIRE(campaign_time(*p.a, 0, 999) == -1);
  p.a->receive(vote_request{"t/0", 5, 3, 1, 2}, 1000);
  auto out = p.a->take_outbox();
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(!std::get<vote_response>(out[0].msg).granted);
  BOOST_TEST(p.a->epoch() == 5);
  BOOST_TEST(campaign_time(*p.a, 1000, 1000 + 2 * timeout_ms) == undisturbed);
  BOOST_TEST(p.a->epoch() == 6);
}

BOOST_AUTO_TEST_CASE(granting_a_vote_restarts_the_timer) {
  follower_pair p;
  BOOST_REQUIRE(campaign_time(*p.a, 0, 999) == -1);
  p.a->receive(vote_request{"t/0", 5, 3, 1, 5}, 1000); // as complete as ours
  auto out = p.a->take_outbox();
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(std::get<vote_response>(out[0].msg).granted);
  int64_t t = campaign_time(*p.a, 1000, 1000 + 2 * timeout_ms);
  BOOST_TEST(t >= 1000 + timeout_ms);
  BOOST_TEST(t < 1000 + 2 * timeout_ms);
}

BOOST_AUTO_TEST_CASE(deposed_leader_starts_a_fresh_timer) {
  mem_log log;
  mem_store store;
  replica r(config(1), log, store, 7, 0);
  int64_t t = campaign_time(r, 0, 2 * timeout_ms);
  BOOST_REQUIRE(t >= 0);
  r.receive(vote_response{"t/0", r.epoch(), 2, true}, t);
  BOOST_REQUIRE((r.role() == replica_role::leader));
  // Long after its own candidacy, a newer epoch deposes it: it must not
  // campaign at once on an old deadline, but a full timeout later at most.
  int64_t now = t + 5000;
  r.receive(vote_request{"t/0", r.epoch() + 1, 3, -1, 0}, now);
  BOOST_REQUIRE((r.role() == replica_role::follower));
  int64_t again = campaign_time(r, now, now + 2 * timeout_ms);
  BOOST_TEST(again >= now + timeout_ms);
}

// Worst case of a stale voter: its candidacies arrive every 0.9 timeouts,
// each for a newer epoch, as when it always draws the shortest timeout. The
// up-to-date voters must still elect one of them within two timeouts of the
// first (before the fix every candidacy restarted their timers: no leader).
BOOST_AUTO_TEST_CASE(stale_voter_campaigning_fast_cannot_keep_the_group_leaderless) {
  harness h({1, 2, 3});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  node_id s = l == 3 ? 1 : 3; // the stale voter: cut off, misses the writes
  node_id f = 6 - l - s;
  h.drop = [&](node_id from, node_id to, const message&) { return from == s || to == s; };
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(h.append(l, "w" + std::to_string(i)).error == 0);
  h.advance(500);
  BOOST_REQUIRE(h.rep(f).high_watermark() == h.node(l).log.end_offset());
  const int64_t start = h.now;
  const auto stale_epoch = h.node(s).log.last_epoch();
  const auto stale_end = h.node(s).log.end_offset();
  int64_t first_leader = -1;
  int elections = 0;
  int32_t last_led = std::max(h.rep(l).epoch(), h.rep(f).epoch());
  for (int round = 0; round < 10; ++round) {
    int32_t epoch = std::max(h.rep(l).epoch(), h.rep(f).epoch()) + 1;
    for (node_id v : {l, f})
      h.rep(v).receive(vote_request{"t/0", epoch, s, stale_epoch, stale_end}, h.now);
    h.settle();
    for (int step = 0; step < timeout_ms * 9 / 10 / 10; ++step) {
      h.advance(10);
      for (node_id v : {l, f}) {
        if (h.rep(v).role() != replica_role::leader || h.rep(v).epoch() <= last_led) continue;
        last_led = h.rep(v).epoch();
        ++elections;
        if (first_leader < 0) first_leader = h.now;
      }
    }
  }
  BOOST_TEST(first_leader >= 0);
  BOOST_TEST(first_leader - start <= 2 * timeout_ms + 100);
  BOOST_TEST(elections >= 3);
}
