#define BOOST_TEST_MODULE cluster_transport
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "consensus/messages.h"
#include "loopback_node.h"

using namespace caudal;
using namespace std::chrono_literals;
using actors::peer_address_atom;
using actors::peer_register_atom;

namespace {

using caudal::testing::eventually;
using caudal::testing::node_options;
using caudal::testing::test_node;
const std::string& group = caudal::testing::test_group;

void connect_pair(test_node& a, test_node& b) {
  a.start_transport({{b.id, {"127.0.0.1", b.port}}});
  b.start_transport({{a.id, {"127.0.0.1", a.port}}});
  BOOST_REQUIRE(eventually([&] { return a.peer(b.id).connected; }));
  BOOST_REQUIRE(eventually([&] { return b.peer(a.id).connected; }));
}

caf::message payload(int32_t seq) {
  return caf::make_message(group, seq, std::vector<uint8_t>{1, 2, static_cast<uint8_t>(seq)});
}

// Expects `count` deliveries from `from` carrying seq 0..count-1 in order
// (one BASP connection per direction keeps a sender's order).
void expect_seqs(test_node& n, int32_t from, int32_t count) {
  for (int32_t seq = 0; seq < count; ++seq) {
    auto got = n.next_delivery();
    BOOST_REQUIRE_MESSAGE(got, "delivery " << seq << " never arrived at node " << n.id);
    BOOST_CHECK_EQUAL(got->first, from);
    auto& m = got->second;
    BOOST_REQUIRE((m.match_elements<std::string, int32_t, std::vector<uint8_t>>()));
    BOOST_CHECK_EQUAL(m.get_as<std::string>(0), group);
    BOOST_CHECK_EQUAL(m.get_as<int32_t>(1), seq);
    BOOST_CHECK(m.get_as<std::vector<uint8_t>>(2) ==
                (std::vector<uint8_t>{1, 2, static_cast<uint8_t>(seq)}));
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_the_cap_with_jitter) {
  BOOST_CHECK_EQUAL(cluster::backoff_delay_ms(100, 5000, 0, 0), 50);
  BOOST_CHECK_EQUAL(cluster::backoff_delay_ms(100, 5000, 0, 50), 100);
  BOOST_CHECK_EQUAL(cluster::backoff_delay_ms(100, 5000, 3, 0), 400);
  BOOST_CHECK_EQUAL(cluster::backoff_delay_ms(100, 5000, 3, 400), 800);
  BOOST_CHECK_EQUAL(cluster::backoff_delay_ms(100, 5000, 40, 2500), 5000);
  std::mt19937_64 rng{7};
  for (uint32_t f = 0; f < 64; ++f) {
    auto d = cluster::backoff_delay_ms(100, 5000, f, rng());
    BOOST_CHECK(d >= 50 && d <= 5000);
  }
}

BOOST_AUTO_TEST_CASE(messages_of_a_group_arrive_both_ways) {
  test_node a{1, 0}, b{2, 0};
  connect_pair(a, b);
  for (int32_t seq = 0; seq < 20; ++seq) {
    a.send(2, payload(seq));
    b.send(1, payload(seq));
  }
  expect_seqs(b, 1, 20);
  expect_seqs(a, 2, 20);
  BOOST_CHECK_EQUAL(a.peer(2).sent, 20u);
  BOOST_CHECK_EQUAL(a.peer(2).dropped, 0u);
  // b's hello on connecting (its return path) is a delivery too
  BOOST_CHECK_EQUAL(a.ask<cluster::router_status>(a.router).delivered, 21u);
}

BOOST_AUTO_TEST_CASE(a_node_sends_to_itself_through_its_own_router) {
  test_node a{1, 0};
  a.start_transport({});
  a.send(1, payload(0));
  expect_seqs(a, 1, 1);
  BOOST_CHECK_EQUAL(a.ask<cluster::transport_status>(a.transport).local, 1u);
}

BOOST_AUTO_TEST_CASE(unknown_group_and_malformed_messages_are_dropped_and_counted) {
  test_node a{1, 0}, b{2, 0};
  connect_pair(a, b);
  a.send(2, caf::make_message(std::string("nobody/7"), int32_t{1}));
  a.send(2, caf::make_message(int32_t{42}));
  a.send(2, payload(0)); // same connection, same order: the drops happened before it
  expect_seqs(b, 1, 1);
  auto rs = b.ask<cluster::router_status>(b.router);
  BOOST_CHECK_EQUAL(rs.dropped_unknown_group, 1u);
  BOOST_CHECK_EQUAL(rs.dropped_malformed, 1u);
  BOOST_CHECK_EQUAL(rs.delivered, 2u); // the payload and a's hello
  BOOST_CHECK_EQUAL(rs.groups, 2u);    // the probe's group and the transport's return path
}

BOOST_AUTO_TEST_CASE(sends_to_unconnected_or_unknown_peers_are_dropped_and_counted) {
  test_node a{1, 0};
  uint16_t dead_port = 0;
  {
    test_node gone{9, 0}; // bind a port, then free it: nothing listens there afterwards
    dead_port = gone.port;
  }
  a.start_transport({{2, {"127.0.0.1", dead_port}}});
  a.send(2, payload(0));
  a.send(3, payload(1)); // no address known for node 3
  auto st = a.ask<cluster::transport_status>(a.transport);
  BOOST_REQUIRE_EQUAL(st.peers.size(), 1u);
  BOOST_CHECK(!st.peers[0].connected);
  BOOST_CHECK_EQUAL(st.peers[0].dropped, 1u);
  BOOST_CHECK_EQUAL(st.peers[0].sent, 0u);
  BOOST_CHECK_EQUAL(st.dropped_unknown_peer, 1u);
}

BOOST_AUTO_TEST_CASE(peer_address_atom_adds_a_peer_later) {
  test_node a{1, 0}, b{2, 0};
  a.start_transport({});
  b.start_transport({});
  caf::anon_send(a.transport, peer_address_atom::value, int32_t{2}, std::string("127.0.0.1"),
                 b.port);
  BOOST_REQUIRE(eventually([&] { return a.peer(2).connected; }));
  a.send(2, payload(0));
  expect_seqs(b, 1, 1);
}

BOOST_AUTO_TEST_CASE(a_peer_without_our_address_answers_over_our_connection) {
  // b has no address for a (a new node that b's configuration does not
  // list): a's hello on connecting gives b the way back.
  test_node a{1, 0}, b{2, 0};
  b.start_transport({});
  a.start_transport({{2, {"127.0.0.1", b.port}}});
  BOOST_REQUIRE(eventually([&] { return a.peer(2).connected; }));
  BOOST_REQUIRE(eventually([&] { return b.peer(1).connected; }));
  BOOST_CHECK_EQUAL(b.peer(1).port, 0); // reached without an address
  a.send(2, payload(0));
  expect_seqs(b, 1, 1);
  for (int32_t seq = 0; seq < 5; ++seq) b.send(1, payload(seq));
  expect_seqs(a, 2, 5);
  BOOST_CHECK_EQUAL(b.peer(1).dropped, 0u);
  // Once b learns a's address it dials it itself, and delivery goes on.
  caf::anon_send(b.transport, peer_address_atom::value, int32_t{1}, std::string("127.0.0.1"),
                 a.port);
  BOOST_REQUIRE(eventually([&] { return b.peer(1).connected && b.peer(1).port == a.port; }));
  b.send(1, payload(0));
  expect_seqs(a, 2, 1);
}

BOOST_AUTO_TEST_CASE(a_restarted_peer_is_reconnected_and_delivery_resumes) {
  test_node a{1, 0};
  auto b = std::make_unique<test_node>(2, 0);
  uint16_t b_port = b->port;
  connect_pair(a, *b);
  a.send(2, payload(0));
  expect_seqs(*b, 1, 1);

  b.reset(); // the whole system goes away, sockets close
  BOOST_REQUIRE(eventually([&] { return !a.peer(2).connected; }));
  a.send(2, payload(99));
  BOOST_CHECK(eventually([&] { return a.peer(2).dropped >= 1; }));

  b = std::make_unique<test_node>(2, b_port); // same node, same port, new CAF node id
  b->start_transport({{1, {"127.0.0.1", a.port}}});
  BOOST_REQUIRE(eventually([&] { return a.peer(2).connected; }));
  BOOST_CHECK_GE(a.peer(2).connects, 2u);
  BOOST_REQUIRE(eventually([&] { return b->peer(1).connected; }));
  a.send(2, payload(0));
  b->send(1, payload(0));
  expect_seqs(*b, 1, 1);
  expect_seqs(a, 2, 1);
}

BOOST_AUTO_TEST_CASE(consensus_messages_cross_nodes_and_route_by_their_group) {
  test_node a{1, 0}, b{2, 0};
  connect_pair(a, b);
  consensus::vote_request vote{group, 7, 1, 6, 1234};
  consensus::fetch_response fetch{group, 7, 1, 0, 100, 5, {6, 90}, {9, 8, 7}, 42};
  a.send(2, caf::make_message(vote)); // no separate key: the struct carries it
  a.send(2, caf::make_message(fetch));
  auto got = b.next_delivery();
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->second.match_elements<consensus::vote_request>());
  auto& v = got->second.get_as<consensus::vote_request>(0);
  BOOST_CHECK_EQUAL(v.group, group);
  BOOST_CHECK_EQUAL(v.epoch, 7);
  BOOST_CHECK_EQUAL(v.candidate, 1);
  BOOST_CHECK_EQUAL(v.last_epoch, 6);
  BOOST_CHECK_EQUAL(v.end_offset, 1234);
  got = b.next_delivery();
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->second.match_elements<consensus::fetch_response>());
  auto& f = got->second.get_as<consensus::fetch_response>(0);
  BOOST_CHECK_EQUAL(f.high_watermark, 100);
  BOOST_CHECK_EQUAL(f.diverging.epoch, 6);
  BOOST_CHECK_EQUAL(f.diverging.end_offset, 90);
  BOOST_CHECK(f.records == (std::vector<uint8_t>{9, 8, 7}));
  BOOST_CHECK_EQUAL(f.id, 42u);
}

BOOST_AUTO_TEST_CASE(a_peer_moving_to_a_new_address_is_followed) {
  test_node a{1, 0}, b{2, 0};
  connect_pair(a, b);
  // Node 2 brings up a second router on another port (say, after a config
  // change) and the first one dies: the DOWN makes node 1 drop, the new
  // address makes it reconnect there.
  auto router2 = cluster::spawn_peer_router(b.sys);
  auto port2 = cluster::publish_router(b.sys, router2, "127.0.0.1", 0);
  BOOST_REQUIRE(port2);
  caf::anon_send(router2, peer_register_atom::value, group, caf::actor{b.probe});
  caf::anon_send_exit(b.router, caf::exit_reason::kill);
  BOOST_REQUIRE(eventually([&] { return !a.peer(2).connected; }));
  caf::anon_send(a.transport, peer_address_atom::value, int32_t{2}, std::string("127.0.0.1"),
                 *port2);
  BOOST_REQUIRE(eventually([&] { return a.peer(2).connected && a.peer(2).port == *port2; }));
  a.send(2, payload(0));
  expect_seqs(b, 1, 1);
  BOOST_CHECK_EQUAL(b.ask<cluster::router_status>(router2).delivered, 1u);
  caf::anon_send_exit(router2, caf::exit_reason::user_shutdown);
}

namespace {

// Child process: a node that publishes its router and reports the port
// through `fd`, then waits to be stopped and killed by the parent.
[[noreturn]] void run_child_node(int fd) {
  {
    test_node b{2, 0, node_options{.liveness = true}};
    uint16_t port = b.port;
    if (write(fd, &port, sizeof port) != sizeof port) _exit(1);
    for (;;) pause();
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(a_stalled_peer_is_detected_by_heartbeats) {
  int fds[2];
  BOOST_REQUIRE_EQUAL(pipe(fds), 0);
  pid_t child = fork(); // before this process has any actor system or thread
  BOOST_REQUIRE(child >= 0);
  if (child == 0) run_child_node(fds[1]);
  uint16_t port = 0;
  BOOST_REQUIRE_EQUAL(read(fds[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  {
    test_node a{1, 0, node_options{.liveness = true}};
    a.start_transport({{2, {"127.0.0.1", port}}});
    BOOST_REQUIRE(eventually([&] { return a.peer(2).connected; }));
    kill(child, SIGSTOP); // the socket stays open; only the heartbeats stop
    BOOST_CHECK(eventually([&] { return !a.peer(2).connected; }, 5s));
    a.send(2, payload(0));
    BOOST_CHECK(eventually([&] { return a.peer(2).dropped == 1; }));
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(fds[0]);
  close(fds[1]);
}
