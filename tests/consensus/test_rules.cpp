// Rule-level tests of the consensus replica: each case pins one rule of the
// algorithm (see consensus/README.md) with hand-made messages or a small
// synchronous harness.
#define BOOST_TEST_MODULE consensus_rules
#include <boost/test/unit_test.hpp>

#include "support/harness.h"

using namespace caudal::consensus;
using namespace caudal::consensus::testing;

namespace {

/// Fills a log with one data entry per epoch in `epochs`, from its end.
void seed_log(mem_log& log, const std::vector<int32_t>& epochs) {
  std::vector<uint8_t> bytes;
  int64_t off = log.end_offset();
  for (int32_t e : epochs) {
    std::string p = "e" + std::to_string(e) + "@" + std::to_string(off);
    encode(entry{off++, e, 0, std::vector<uint8_t>(p.begin(), p.end())}, bytes);
  }
  BOOST_REQUIRE(log.append_replicated(bytes));
  BOOST_REQUIRE(log.flush());
}

replica_config config(node_id self, std::vector<node_id> voters = {1, 2, 3}) {
  replica_config c;
  c.group = "t/0";
  c.self = self;
  c.voters = std::move(voters);
  return c;
}

template <class T>
std::vector<std::pair<node_id, T>> of_type(const std::vector<outbound>& out) {
  std::vector<std::pair<node_id, T>> r;
  for (const auto& o : out)
    if (auto* p = std::get_if<T>(&o.msg)) r.emplace_back(o.to, *p);
  return r;
}

vote_request ask(int32_t epoch, node_id cand, int32_t last_epoch, int64_t end) {
  return vote_request{"t/0", epoch, cand, last_epoch, end};
}

bool voted(replica& r, const message& m, int64_t now = 0) {
  r.receive(m, now);
  auto v = of_type<vote_response>(r.take_outbox());
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  return v[0].second.granted;
}

bool same_entries(const mem_log& a, const mem_log& b, int64_t from, int64_t to) {
  for (int64_t o = from; o < to; ++o) {
    if (!a.at(o) || !b.at(o) || !(*a.at(o) == *b.at(o))) return false;
  }
  return true;
}

} // namespace

BOOST_AUTO_TEST_CASE(vote_granted_once_per_epoch_and_persisted_first) {
  mem_log log;
  mem_store store;
  seed_log(log, {1, 1});
  replica r(config(2), log, store, 1, 0);
  BOOST_TEST(voted(r, ask(2, 1, 1, 2)));
  BOOST_TEST(store.state.epoch == 2);
  BOOST_TEST(store.state.voted_for == 1);
  BOOST_TEST(!voted(r, ask(2, 3, 1, 5))); // already voted in epoch 2
  BOOST_TEST(voted(r, ask(2, 1, 1, 2)));  // a retransmitted request is answered again
  BOOST_TEST(!voted(r, ask(1, 3, 1, 9))); // stale epoch
  BOOST_TEST(voted(r, ask(3, 3, 1, 2)));  // new epoch, new vote
  BOOST_TEST(store.state.voted_for == 3);
}

BOOST_AUTO_TEST_CASE(vote_refused_to_less_complete_log) {
  mem_log log;
  mem_store store;
  seed_log(log, {1, 2, 2});
  replica r(config(2), log, store, 1, 0);
  BOOST_TEST(!voted(r, ask(3, 1, 2, 2)));  // same last epoch, shorter
  BOOST_TEST(!voted(r, ask(4, 1, 1, 10))); // longer but older last epoch
  BOOST_TEST(store.state.voted_for == no_node);
  BOOST_TEST(store.state.epoch == 4);    // the higher epoch is adopted anyway
  BOOST_TEST(voted(r, ask(4, 3, 2, 3))); // equal log is enough
  BOOST_TEST(voted(r, ask(5, 1, 3, 0))); // higher last epoch wins over length
}

BOOST_AUTO_TEST_CASE(faulty_switch_grants_without_log_check) {
  mem_log log;
  mem_store store;
  seed_log(log, {1, 2, 2});
  replica r(config(2), log, store, 1, 0);
  r.set_faults(fault_injection{true, false});
  BOOST_TEST(voted(r, ask(3, 1, 0, 0)));
}

BOOST_AUTO_TEST_CASE(persisted_vote_survives_restart) {
  mem_log log;
  mem_store store;
  {
    replica r(config(2), log, store, 1, 0);
    BOOST_TEST(voted(r, ask(5, 1, -1, 0)));
  }
  replica r(config(2), log, store, 2, 100);
  BOOST_TEST(r.epoch() == 5);
  BOOST_TEST(r.voted_for() == 1);
  BOOST_TEST(!voted(r, ask(5, 3, -1, 0), 100));
  BOOST_TEST(voted(r, ask(5, 1, -1, 0), 100));
}

BOOST_AUTO_TEST_CASE(store_failure_is_fail_stop_and_never_grants) {
  mem_log log;
  mem_store store;
  replica r(config(2), log, store, 1, 0);
  store.fail_next = true;
  r.receive(ask(2, 1, -1, 0), 0);
  BOOST_TEST(r.failed());
  BOOST_TEST(of_type<vote_response>(r.take_outbox()).empty());
  BOOST_TEST(r.describe().find("FAILED") != std::string::npos);
  BOOST_TEST(r.append(std::span<uint8_t>{}, 0).error == errc::kafka_storage_error);
}

BOOST_AUTO_TEST_CASE(single_voter_elects_itself_on_first_tick) {
  mem_log log;
  mem_store store;
  replica r(config(1, {1}), log, store, 1, 0);
  r.tick(0);
  BOOST_TEST((r.role() == replica_role::leader));
  BOOST_TEST(r.epoch() == 1);
  BOOST_TEST(store.state.voted_for == 1);
  BOOST_TEST(r.high_watermark() == 1); // the same tick flushed and committed the marker
  auto b = make_batch("x");
  auto a = r.append(b, 1);
  BOOST_TEST(a.error == 0);
  BOOST_TEST(a.base_offset == 1);
  BOOST_TEST(a.last_offset == 1);
  BOOST_TEST(r.high_watermark() == 1); // flush_before_ack: not before the flush
  BOOST_TEST(r.next_deadline() <= 1);  // so the owner ticks again at once
  r.tick(1);
  BOOST_TEST(r.high_watermark() == 2);
  BOOST_TEST(r.in_sync_replicas(1) == std::vector<node_id>{1});
}

BOOST_AUTO_TEST_CASE(campaign_at_start_only_for_a_pristine_voter) {
  auto cfg = config(1);
  cfg.campaign_at_start = true;
  {
    mem_log log;
    mem_store store;
    replica r(cfg, log, store, 1, 0);
    r.tick(0); // nothing voted or logged here: campaigns on the first tick
    BOOST_TEST((r.role() == replica_role::candidate));
    BOOST_TEST(r.epoch() == 1);
    BOOST_TEST(of_type<vote_request>(r.take_outbox()).size() == 2u);
  }
  {
    mem_log log; // a replica with a log waits out its election timeout
    mem_store store;
    seed_log(log, {1});
    replica r(cfg, log, store, 1, 0);
    r.tick(0);
    BOOST_TEST((r.role() == replica_role::follower));
  }
  {
    mem_log log; // so does one that voted in an earlier epoch
    mem_store store;
    store.state = quorum_state{3, 2};
    replica r(cfg, log, store, 1, 0);
    r.tick(0);
    BOOST_TEST((r.role() == replica_role::follower));
  }
  {
    mem_log log; // and an observer never campaigns
    mem_store store;
    auto observer = config(4);
    observer.campaign_at_start = true;
    replica r(observer, log, store, 1, 0);
    r.tick(0);
    BOOST_TEST((r.role() == replica_role::follower));
  }
}

BOOST_AUTO_TEST_CASE(append_refused_unless_leader) {
  mem_log log;
  mem_store store;
  replica r(config(2), log, store, 1, 0);
  auto b = make_batch("x");
  BOOST_TEST(r.append(b, 0).error == errc::not_leader_or_follower);
}

BOOST_AUTO_TEST_CASE(three_voters_elect_and_replicate) {
  harness h({1, 2, 3});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  h.advance(100);
  for (int i = 0; i < 5; ++i) BOOST_TEST(h.append(l, "v" + std::to_string(i)).error == 0);
  h.advance(100);
  for (node_id id : {1, 2, 3}) {
    BOOST_TEST(h.rep(id).high_watermark() == 6);
    BOOST_TEST(h.rep(id).leader() == l);
    BOOST_TEST(same_entries(h.node(id).log, h.node(l).log, 0, 6));
  }
  BOOST_TEST(h.rep(l).in_sync_replicas(h.now).size() == 3u);
}

BOOST_AUTO_TEST_CASE(hw_waits_for_the_new_leaders_marker) {
  // Node 1 holds an uncommitted entry of epoch 1 at offset 1 and wins epoch
  // 2. Node 2 acknowledges offset 2 (it has the entry but not the marker):
  // offset 1 is then on a majority, yet it must not count as committed
  // until the epoch-2 marker (offset 2) is.
  mem_log log;
  mem_store store;
  seed_log(log, {1, 1});
  store.state = quorum_state{1, no_node};
  replica r(config(1), log, store, 1, 0);
  r.tick(10000); // election timeout: candidate of epoch 2
  BOOST_REQUIRE((r.role() == replica_role::candidate));
  r.receive(vote_response{"t/0", 2, 3, true}, 10000);
  BOOST_REQUIRE((r.role() == replica_role::leader));
  r.take_outbox();
  r.tick(10001); // flushes the marker
  r.receive(fetch_request{"t/0", 2, 2, 2, 1, 1 << 20, 7}, 10002);
  r.tick(10003);
  BOOST_TEST(r.high_watermark() == 0);
  r.receive(fetch_request{"t/0", 2, 2, 3, 2, 1 << 20, 8}, 10004);
  BOOST_TEST(r.high_watermark() == 3);
}

BOOST_AUTO_TEST_CASE(divergent_suffix_is_truncated) {
  harness h({1, 2, 3});
  // 1 and 3 saw epoch 2 begin at offset 2; 2 kept writing in epoch 1.
  seed_log(h.node(1).log, {1, 1, 2});
  seed_log(h.node(3).log, {1, 1, 2});
  seed_log(h.node(2).log, {1, 1, 1, 1});
  for (node_id id : {1, 2, 3}) {
    h.node(id).store.state = quorum_state{2, no_node};
    h.restart(id, false);
  }
  node_id l = h.elect();
  BOOST_REQUIRE(l == 1 || l == 3);
  h.advance(200);
  BOOST_TEST(h.node(2).log.end_offset() == h.node(l).log.end_offset());
  BOOST_TEST(same_entries(h.node(2).log, h.node(l).log, 0, h.node(l).log.end_offset()));
  BOOST_TEST(h.node(2).log.at(2)->epoch == 2);
  bool saw_diverging = false;
  for (auto& [from, o] : h.sent)
    if (auto* f = std::get_if<fetch_response>(&o.msg); f && o.to == 2)
      saw_diverging |= f->diverging.epoch == 1 && f->diverging.end_offset == 2;
  BOOST_TEST(saw_diverging);
}

BOOST_AUTO_TEST_CASE(fetch_below_log_start_resets_follower) {
  harness h({1, 2, 3});
  for (node_id id : {1, 3}) {
    h.node(id).log.reset_to(10);
    seed_log(h.node(id).log, {1, 1});
    h.node(id).store.state = quorum_state{1, no_node};
    h.restart(id, false);
  }
  node_id l = h.elect();
  BOOST_REQUIRE(l == 1 || l == 3);
  h.advance(200);
  BOOST_TEST(h.node(2).log.start_offset() == 10);
  BOOST_TEST(h.node(2).log.end_offset() == h.node(l).log.end_offset());
  BOOST_TEST(same_entries(h.node(2).log, h.node(l).log, 10, h.node(l).log.end_offset()));
  BOOST_TEST(h.rep(2).high_watermark() == h.node(l).log.end_offset());
}

BOOST_AUTO_TEST_CASE(follower_whose_last_epoch_ended_at_the_log_start_restarts_there) {
  // The leaders' logs start at 10 in epoch 2 (the prefix was deleted after a
  // snapshot); node 2 holds offsets 0-9, all epoch 1. Epoch 1 is not in the
  // leaders' logs any more, so the fetch at 10 cannot be validated; a
  // divergence answer ("truncate to 10") would change nothing, forever.
  harness h({1, 2, 3});
  for (node_id id : {1, 3}) {
    h.node(id).log.reset_to(10);
    seed_log(h.node(id).log, {2, 2});
  }
  seed_log(h.node(2).log, std::vector<int32_t>(10, 1));
  for (node_id id : {1, 2, 3}) {
    h.node(id).store.state = quorum_state{2, no_node};
    h.restart(id, false);
  }
  node_id l = h.elect();
  BOOST_REQUIRE(l == 1 || l == 3);
  h.advance(500);
  BOOST_TEST(h.node(2).log.start_offset() == 10);
  BOOST_TEST(h.node(2).log.end_offset() == h.node(l).log.end_offset());
  BOOST_TEST(same_entries(h.node(2).log, h.node(l).log, 10, h.node(l).log.end_offset()));
  BOOST_TEST(h.rep(2).high_watermark() == h.node(l).log.end_offset());
  int out_of_range = 0;
  for (auto& [from, o] : h.sent)
    if (auto* f = std::get_if<fetch_response>(&o.msg); f && o.to == 2)
      out_of_range += f->error == errc::offset_out_of_range;
  BOOST_TEST(out_of_range == 1);
}

BOOST_AUTO_TEST_CASE(isolated_leader_resigns_by_check_quorum) {
  harness h({1, 2, 3});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  h.drop = [&](node_id from, node_id to, const message&) { return from == l || to == l; };
  h.advance(3100);
  BOOST_TEST((h.rep(l).role() == replica_role::follower));
  BOOST_TEST(h.rep(l).leader() == no_node);
  BOOST_TEST(h.append(l, "late").error == errc::not_leader_or_follower);
  node_id l2 = h.leader();
  BOOST_TEST(l2 != no_node);
  BOOST_TEST(l2 != l);
  h.drop = nullptr;
  h.advance(2000);
  BOOST_TEST(h.rep(l).leader() == l2);
}

BOOST_AUTO_TEST_CASE(observer_follows_but_never_votes) {
  harness h({1, 2, 3}, {4});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  for (int i = 0; i < 3; ++i) h.append(l, "o" + std::to_string(i));
  h.advance(2000);
  BOOST_TEST(h.rep(4).leader() == l);
  BOOST_TEST(!h.rep(4).is_voter());
  BOOST_TEST(h.rep(4).high_watermark() == h.rep(l).high_watermark());
  BOOST_TEST(same_entries(h.node(4).log, h.node(l).log, 0, h.node(l).log.end_offset()));
  for (auto& [from, o] : h.sent) {
    if (from == 4) BOOST_TEST(std::holds_alternative<fetch_request>(o.msg));
    if (o.to == 4) BOOST_TEST(!std::holds_alternative<vote_request>(o.msg));
  }
  BOOST_TEST(!voted(h.rep(4), ask(h.rep(4).epoch() + 1, 1, 99, 99), h.now));
  // A lone observer never campaigns.
  h.drop = [](node_id, node_id, const message&) { return true; };
  h.advance(10000, 100);
  BOOST_TEST((h.rep(4).role() == replica_role::follower));
}

BOOST_AUTO_TEST_CASE(lost_fetch_is_retransmitted_and_stale_reply_ignored) {
  harness h({1, 2});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  node_id f = l == 1 ? 2 : 1;
  h.advance(100);
  std::optional<fetch_response> lost;
  h.drop = [&](node_id, node_id to, const message& m) {
    auto* r = std::get_if<fetch_response>(&m);
    if (to == f && r && !lost) {
      lost = *r;
      return true;
    }
    return false;
  };
  h.append(l, "a");
  BOOST_REQUIRE(lost.has_value());
  int64_t end_before = h.node(f).log.end_offset();
  h.advance(1000);
  BOOST_TEST(h.node(f).log.end_offset() == end_before + 1); // fetched again
  h.drop = nullptr;
  auto entries = h.node(f).log.entries();
  h.rep(f).receive(*lost, h.now); // a late duplicate changes nothing
  BOOST_TEST((h.node(f).log.entries() == entries));
}

BOOST_AUTO_TEST_CASE(parked_fetch_is_answered_on_append) {
  replica_config base;
  base.fetch_wait_ms = 100000;
  base.election_timeout_ms = 300000;
  harness h({1, 2, 3}, {}, base);
  node_id l = h.elect(2000000);
  BOOST_REQUIRE(l != no_node);
  h.advance(50);
  h.append(l, "now"); // settles without advancing time
  h.advance(1);
  for (node_id id : {1, 2, 3}) BOOST_TEST(h.node(id).log.end_offset() == 2);
  BOOST_TEST(h.rep(l).high_watermark() == 2);
}

BOOST_AUTO_TEST_CASE(log_failure_is_fail_stop) {
  harness h({1, 2, 3});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  h.node(l).log.fail_next = true;
  BOOST_TEST(h.append(l, "x").error == errc::kafka_storage_error);
  BOOST_TEST(h.rep(l).failed());
  BOOST_TEST(h.rep(l).failure().find("injected") != std::string::npos);
  BOOST_TEST(h.rep(l).next_deadline() == std::numeric_limits<int64_t>::max());
  h.advance(5000);
  node_id l2 = h.leader();
  BOOST_TEST((l2 != no_node && l2 != l)); // the others carry on
}

BOOST_AUTO_TEST_CASE(observer_finds_the_next_leader) {
  harness h({1, 2, 3}, {4});
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  h.advance(500);
  BOOST_REQUIRE(h.rep(4).leader() == l);
  // The old leader vanishes for good; the observer must not wait on it.
  h.drop = [&](node_id from, node_id to, const message&) { return from == l || to == l; };
  h.advance(5000);
  node_id l2 = h.leader();
  BOOST_REQUIRE(l2 != no_node);
  BOOST_REQUIRE(l2 != l);
  h.append(l2, "after");
  h.advance(2000);
  BOOST_TEST(h.rep(4).leader() == l2);
  BOOST_TEST(h.rep(4).high_watermark() == h.rep(l2).high_watermark());
}

BOOST_AUTO_TEST_CASE(empty_append_is_rejected_without_failing) {
  harness h({1});
  node_id l = h.elect();
  BOOST_REQUIRE(l == 1);
  BOOST_TEST(h.rep(1).append(std::span<uint8_t>{}, h.now).error == errc::corrupt_message);
  BOOST_TEST(!h.rep(1).failed());
}

BOOST_AUTO_TEST_CASE(lagging_follower_leaves_the_isr) {
  replica_config base;
  base.replica_lag_time_max_ms = 500;
  harness h({1, 2, 3}, {}, base);
  node_id l = h.elect();
  BOOST_REQUIRE(l != no_node);
  node_id slow = l == 3 ? 2 : 3;
  h.advance(200);
  BOOST_TEST(h.rep(l).in_sync_replicas(h.now).size() == 3u);
  // `slow` still fetches but never gets data: it falls behind.
  h.drop = [&](node_id, node_id to, const message& m) {
    return to == slow && std::holds_alternative<fetch_response>(m);
  };
  // 1 s: past the lag bound, before `slow`'s election timeout (>= 1.5 s).
  for (int i = 0; i < 10; ++i) {
    h.append(l, "x" + std::to_string(i));
    h.advance(100);
  }
  BOOST_REQUIRE(h.leader() == l);
  auto isr = h.rep(l).in_sync_replicas(h.now);
  BOOST_TEST(isr.size() == 2u);
  BOOST_TEST((std::find(isr.begin(), isr.end(), slow) == isr.end()));
  h.drop = nullptr;
  h.advance(500);
  BOOST_TEST(h.rep(l).in_sync_replicas(h.now).size() == 3u);
}

BOOST_AUTO_TEST_CASE(observer_without_voters_does_not_spin) {
  mem_log log;
  mem_store store;
  replica r(config(9, {}), log, store, 1, 0);
  r.tick(0);
  BOOST_TEST(r.take_outbox().empty());
  BOOST_TEST(r.next_deadline() > 0);
}

BOOST_AUTO_TEST_CASE(non_voters_cannot_move_the_epoch) {
  mem_log log;
  mem_store store;
  replica r(config(2), log, store, 1, 0);
  BOOST_TEST(!voted(r, ask(9, 7, 5, 5)));
  r.receive(begin_epoch{"t/0", 9, 7}, 0);
  BOOST_TEST(r.epoch() == 0);
  BOOST_TEST(store.saves == 0);
}
