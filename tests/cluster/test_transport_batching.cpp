#define BOOST_TEST_MODULE cluster_transport_batching
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "consensus/messages.h"
#include "loopback_node.h"

// Batching of the inter-node transport over real loopback TCP: two or three
// actor systems in one process, each with CAF's middleman. A sending node
// runs ONE scheduler thread, so a burst sent from one actor handler is all in
// the transport's mailbox before the transport runs: how the burst is cut into
// frames is then exact, not a matter of thread timing.

using namespace caudal;
using namespace std::chrono_literals;
using actors::peer_register_atom;

namespace {

using caudal::testing::eventually;
using caudal::testing::send_list;
using caudal::testing::test_node;
const std::string& group = caudal::testing::test_group;
constexpr caudal::testing::node_options one_thread{.one_thread = true};

/// Transport batching limits for start_transport.
caudal::testing::transport_tweak batching(size_t max_messages, int64_t linger_ms = 20) {
  return [=](cluster::transport_config& tc) {
    tc.batch_max_messages = max_messages;
    tc.batch_linger_ms = linger_ms;
  };
}

void wait_connected(test_node& a, int32_t peer) {
  BOOST_REQUIRE(eventually([&] { return a.peer(peer).connected; }));
}

// A transport greets a peer's router when it connects (a return-path
// hello, one frame). The receiver's counters are checked relative to this
// baseline, taken once the hello is in.
cluster::router_status after_hello(test_node& receiver) {
  eventually([&] { return receiver.ask<cluster::router_status>(receiver.router).frames >= 1; });
  return receiver.ask<cluster::router_status>(receiver.router);
}

caf::message payload(int32_t seq, size_t size = 3) {
  std::vector<uint8_t> bytes(size, static_cast<uint8_t>(seq));
  return caf::make_message(group, seq, std::move(bytes));
}

// Expects exactly these deliveries from `from`, in this order, with intact
// payloads of `size` bytes.
void expect_seqs(test_node& n, int32_t from, const std::vector<int32_t>& seqs, size_t size = 3) {
  for (auto seq : seqs) {
    auto got = n.next_delivery();
    BOOST_REQUIRE_MESSAGE(got, "delivery " << seq << " never arrived at node " << n.id);
    BOOST_REQUIRE_EQUAL(got->first, from);
    auto& m = got->second;
    BOOST_REQUIRE((m.match_elements<std::string, int32_t, std::vector<uint8_t>>()));
    BOOST_REQUIRE_EQUAL(m.get_as<int32_t>(1), seq);
    BOOST_REQUIRE(m.get_as<std::vector<uint8_t>>(2) ==
                  std::vector<uint8_t>(size, static_cast<uint8_t>(seq)));
  }
}

std::vector<int32_t> range(int32_t first, int32_t end, int32_t step = 1) {
  std::vector<int32_t> out;
  for (int32_t i = first; i < end; i += step) out.push_back(i);
  return out;
}

send_list to_node(int32_t to, const std::vector<int32_t>& seqs, size_t size = 3) {
  send_list out;
  for (auto seq : seqs) out.emplace_back(to, payload(seq, size));
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_burst_crosses_in_one_frame_complete_and_in_order) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  wait_connected(a, 2);
  auto base = after_hello(b);
  a.burst(to_node(2, range(0, 500)));
  expect_seqs(b, 1, range(0, 500));
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.sent, 500u);
  BOOST_CHECK_EQUAL(p.frames, 1u);
  BOOST_CHECK_EQUAL(p.batches, 1u);
  BOOST_CHECK_EQUAL(p.cap_flushes, 0u);
  BOOST_CHECK_EQUAL(p.dropped, 0u);
  auto ts = a.ask<cluster::transport_status>(a.transport);
  BOOST_CHECK_EQUAL(ts.messages_sent, 500u);
  BOOST_CHECK_EQUAL(ts.frames_sent, 1u);
  BOOST_CHECK_EQUAL(ts.batches_sent, 1u);
  auto rs = b.ask<cluster::router_status>(b.router);
  BOOST_CHECK_EQUAL(rs.frames - base.frames, 1u);
  BOOST_CHECK_EQUAL(rs.batches - base.batches, 1u);
  BOOST_CHECK_EQUAL(rs.delivered - base.delivered, 500u);
}

BOOST_AUTO_TEST_CASE(a_single_message_goes_plain) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  wait_connected(a, 2);
  auto base = after_hello(b);
  a.burst(to_node(2, {7}));
  expect_seqs(b, 1, {7});
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.frames, 1u);
  BOOST_CHECK_EQUAL(p.batches, 0u);
  auto rs = b.ask<cluster::router_status>(b.router);
  BOOST_CHECK_EQUAL(rs.frames - base.frames, 1u);
  BOOST_CHECK_EQUAL(rs.batches - base.batches, 0u);
}

BOOST_AUTO_TEST_CASE(the_count_cap_cuts_a_burst) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}}, batching(100));
  wait_connected(a, 2);
  a.burst(to_node(2, range(0, 250))); // 100 + 100 (cap) + 50 (end of round)
  expect_seqs(b, 1, range(0, 250));
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.sent, 250u);
  BOOST_CHECK_EQUAL(p.frames, 3u);
  BOOST_CHECK_EQUAL(p.batches, 3u);
  BOOST_CHECK_EQUAL(p.cap_flushes, 2u);
}

BOOST_AUTO_TEST_CASE(batching_off_sends_one_frame_per_message) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}}, batching(1));
  wait_connected(a, 2);
  a.burst(to_node(2, range(0, 50)));
  expect_seqs(b, 1, range(0, 50));
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.frames, 50u);
  BOOST_CHECK_EQUAL(p.batches, 0u);
  BOOST_CHECK_EQUAL(p.cap_flushes, 0u);
}

BOOST_AUTO_TEST_CASE(the_byte_cap_cuts_a_burst_and_a_huge_message_goes_alone) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  wait_connected(a, 2);
  // 300 kB each: three fit under 1 MiB, a fourth would not -> 3+3+3+1.
  const size_t big = 300'000;
  a.burst(to_node(2, range(0, 10), big));
  expect_seqs(b, 1, range(0, 10), big);
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.frames, 4u);
  BOOST_CHECK_EQUAL(p.batches, 3u);
  BOOST_CHECK_EQUAL(p.cap_flushes, 3u);
  BOOST_CHECK_GE(p.bytes, 10 * big);

  // Small, 1.5 MB, small: the first leaves early and alone, the huge one is
  // over the cap by itself and goes alone, the last ends the round alone.
  send_list mixed = to_node(2, {10});
  auto huge = to_node(2, {11}, 1'500'000);
  auto last = to_node(2, {12});
  mixed.insert(mixed.end(), huge.begin(), huge.end());
  mixed.insert(mixed.end(), last.begin(), last.end());
  a.burst(std::move(mixed));
  expect_seqs(b, 1, {10});
  expect_seqs(b, 1, {11}, 1'500'000);
  expect_seqs(b, 1, {12});
  p = a.peer(2);
  BOOST_CHECK_EQUAL(p.frames, 7u);
  BOOST_CHECK_EQUAL(p.batches, 3u);
}

BOOST_AUTO_TEST_CASE(each_destination_and_self_keep_their_own_order) {
  test_node a{1, 0, one_thread}, b{2}, c{3};
  a.start_transport({{2, {"127.0.0.1", b.port}}, {3, {"127.0.0.1", c.port}}});
  wait_connected(a, 2);
  wait_connected(a, 3);
  send_list sends;
  for (int32_t seq = 0; seq < 300; ++seq) sends.emplace_back(1 + seq % 3, payload(seq));
  a.burst(std::move(sends));
  expect_seqs(a, 1, range(0, 300, 3)); // self deliveries: not batched, same order
  expect_seqs(b, 1, range(1, 300, 3));
  expect_seqs(c, 1, range(2, 300, 3));
  auto ts = a.ask<cluster::transport_status>(a.transport);
  BOOST_CHECK_EQUAL(ts.local, 100u);
  BOOST_CHECK_EQUAL(ts.messages_sent, 200u);
  BOOST_CHECK_EQUAL(ts.frames_sent, 2u);
  BOOST_CHECK_EQUAL(ts.batches_sent, 2u);
}

BOOST_AUTO_TEST_CASE(unknown_groups_and_malformed_elements_of_a_batch_are_dropped_and_counted) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  wait_connected(a, 2);
  auto base = after_hello(b);
  a.burst({{2, payload(0)},
           {2, caf::make_message(std::string("nobody/7"), int32_t{1})},
           {2, caf::make_message(int32_t{42})},
           {2, payload(1)}});
  expect_seqs(b, 1, {0, 1});
  auto rs = b.ask<cluster::router_status>(b.router);
  BOOST_CHECK_EQUAL(rs.frames - base.frames, 1u);
  BOOST_CHECK_EQUAL(rs.batches - base.batches, 1u);
  BOOST_CHECK_EQUAL(rs.delivered - base.delivered, 2u);
  BOOST_CHECK_EQUAL(rs.dropped_unknown_group - base.dropped_unknown_group, 1u);
  BOOST_CHECK_EQUAL(rs.dropped_malformed - base.dropped_malformed, 1u);
}

BOOST_AUTO_TEST_CASE(consensus_structs_cross_in_a_batch) {
  test_node a{1, 0, one_thread}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  wait_connected(a, 2);
  consensus::fetch_request req{group, 7, 1, 100, 6, 1 << 20, 41};
  consensus::fetch_response resp{group, 7, 1, 0, 100, 5, {6, 90}, {9, 8, 7}, 42};
  a.burst({{2, caf::make_message(req)}, {2, caf::make_message(resp)}});
  auto got = b.next_delivery();
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->second.match_elements<consensus::fetch_request>());
  BOOST_CHECK_EQUAL(got->second.get_as<consensus::fetch_request>(0).id, 41u);
  got = b.next_delivery();
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->second.match_elements<consensus::fetch_response>());
  auto& f = got->second.get_as<consensus::fetch_response>(0);
  BOOST_CHECK(f.records == (std::vector<uint8_t>{9, 8, 7}));
  BOOST_CHECK_EQUAL(f.diverging.end_offset, 90);
  BOOST_CHECK_EQUAL(f.id, 42u);
  BOOST_CHECK_EQUAL(a.peer(2).batches, 1u);
}

// Several senders racing on a multi-threaded node: how they are cut into
// frames depends on timing, but every message arrives and each sender's
// order holds.
BOOST_AUTO_TEST_CASE(concurrent_senders_keep_their_order) {
  test_node a{1}, b{2};
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  wait_connected(a, 2);
  const int32_t senders = 4, per_sender = 300;
  for (int32_t s = 0; s < senders; ++s) {
    send_list sends;
    for (int32_t i = 0; i < per_sender; ++i) sends.emplace_back(2, caf::make_message(group, s, i));
    a.burst(std::move(sends));
  }
  std::vector<int32_t> next(senders, 0);
  for (int32_t n = 0; n < senders * per_sender; ++n) {
    auto got = b.next_delivery();
    BOOST_REQUIRE_MESSAGE(got, "only " << n << " deliveries arrived");
    auto& m = got->second;
    BOOST_REQUIRE((m.match_elements<std::string, int32_t, int32_t>()));
    auto s = m.get_as<int32_t>(1);
    BOOST_REQUIRE(s >= 0 && s < senders);
    BOOST_REQUIRE_EQUAL(m.get_as<int32_t>(2), next[s]);
    ++next[s];
  }
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.sent, static_cast<uint64_t>(senders * per_sender));
  BOOST_CHECK_LE(p.frames, p.sent);
  BOOST_TEST_MESSAGE("concurrent senders: " << p.sent << " messages in " << p.frames << " frames");
}

BOOST_AUTO_TEST_CASE(wire_size_estimates_follow_the_payload) {
  caudal::testing::net_config cfg{{}};
  caf::actor_system sys{cfg};
  consensus::fetch_response resp;
  resp.group = group;
  resp.records.resize(100'000);
  auto n = cluster::estimated_wire_bytes(sys, caf::make_message(resp));
  BOOST_CHECK_GE(n, 100'000u);
  BOOST_CHECK_LE(n, 100'200u);
  // A type without a fast path is serialized to measure it.
  cluster::peer_status ps;
  ps.host = std::string(5000, 'h');
  auto m = cluster::estimated_wire_bytes(sys, caf::make_message(ps));
  BOOST_CHECK_GE(m, 5000u);
  BOOST_CHECK_LE(m, 5200u);
}

namespace {

consensus::fetch_request poll(const std::string& g, int64_t offset) {
  return consensus::fetch_request{g, 3, 1, offset, 2, 1 << 20, 0};
}

consensus::fetch_response beat(const std::string& g, int64_t hw) {
  return consensus::fetch_response{g, 3, 2, 0, hw, 0, {}, {}, 0};
}

} // namespace

BOOST_AUTO_TEST_CASE(idle_polls_are_repeats_and_news_is_everything_else) {
  cluster::idle_poll_detector d;
  auto idle = [&](auto x) { return d.idle(caf::make_message(std::move(x))); };
  // Requests: the first repeat follows a high-watermark update and is news.
  BOOST_CHECK(!idle(poll("a/0", 10)));
  BOOST_CHECK(!idle(poll("a/0", 10)));
  BOOST_CHECK(idle(poll("a/0", 10)));
  BOOST_CHECK(idle(poll("a/0", 10)));
  BOOST_CHECK(!idle(poll("b/0", 10))); // groups are separate
  BOOST_CHECK(!idle(poll("a/0", 11))); // an acknowledgement of new records
  BOOST_CHECK(!idle(poll("a/0", 11)));
  BOOST_CHECK(idle(poll("a/0", 11)));
  auto next_epoch = poll("a/0", 11);
  next_epoch.epoch = 4;
  BOOST_CHECK(!idle(next_epoch));
  // Responses: a heartbeat repeats the previous empty response.
  BOOST_CHECK(!idle(beat("a/0", 5)));
  BOOST_CHECK(idle(beat("a/0", 5)));
  BOOST_CHECK(!idle(beat("a/0", 6))); // the high watermark moved
  auto data = beat("a/0", 6);
  data.records = {1, 2, 3};
  BOOST_CHECK(!idle(data));
  BOOST_CHECK(!idle(data));
  BOOST_CHECK(!idle(beat("a/0", 6))); // the first empty answer after records is news
  BOOST_CHECK(idle(beat("a/0", 6)));
  auto error = beat("a/0", 6);
  error.error = 6;
  BOOST_CHECK(!idle(error));
  BOOST_CHECK(!idle(error));
  auto diverging = beat("a/0", 6);
  diverging.diverging = {2, 4};
  BOOST_CHECK(!idle(diverging));
  BOOST_CHECK(!idle(caf::make_message(consensus::vote_request{"a/0", 4, 1, 3, 11})));
  BOOST_CHECK(!idle(caf::make_message(group, int32_t{1})));
}

BOOST_AUTO_TEST_CASE(idle_polls_wait_for_company_and_news_takes_them_along) {
  test_node a{1, 0, one_thread}, b{2};
  std::vector<std::string> groups;
  for (int i = 0; i < 10; ++i) {
    groups.push_back("idle/" + std::to_string(i));
    caf::anon_send(b.router, peer_register_atom::value, groups.back(), caf::actor{b.probe});
  }
  a.start_transport({{2, {"127.0.0.1", b.port}}}, batching(1024, 1000));
  wait_connected(a, 2);
  send_list prime; // two of each: news, one round, one frame
  for (auto& g : groups) prime.emplace_back(2, caf::make_message(poll(g, 7)));
  for (auto& g : groups) prime.emplace_back(2, caf::make_message(poll(g, 7)));
  a.burst(std::move(prime));
  for (int i = 0; i < 20; ++i) BOOST_REQUIRE(b.next_delivery());
  BOOST_CHECK_EQUAL(a.peer(2).frames, 1u);
  // Ten idle polls, each from its own actor (its own round): they wait for
  // the linger timer (1 s here) and cross together.
  for (auto& g : groups) a.burst({{2, caf::make_message(poll(g, 7))}});
  for (auto& g : groups) {
    auto got = b.next_delivery();
    BOOST_REQUIRE(got);
    BOOST_REQUIRE(got->second.match_elements<consensus::fetch_request>());
    BOOST_CHECK_EQUAL(got->second.get_as<consensus::fetch_request>(0).group, g);
  }
  auto p = a.peer(2);
  BOOST_CHECK_EQUAL(p.frames, 2u);
  BOOST_CHECK_EQUAL(p.lingered, 10u);
  // An idle poll followed by news in the same round: both go with the round,
  // in order, without waiting.
  auto start = std::chrono::steady_clock::now();
  a.burst({{2, caf::make_message(poll(groups[0], 7))}, {2, payload(0)}});
  auto got = b.next_delivery();
  BOOST_REQUIRE(got);
  BOOST_CHECK(got->second.match_elements<consensus::fetch_request>());
  expect_seqs(b, 1, {0});
  BOOST_CHECK(std::chrono::steady_clock::now() - start < 900ms);
  p = a.peer(2);
  BOOST_CHECK_EQUAL(p.frames, 3u);
  BOOST_CHECK_EQUAL(p.lingered, 10u);
}
