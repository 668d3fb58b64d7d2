#pragma once
// A node for the transport tests over real loopback TCP: its own actor system
// with a middleman, a published peer router, a probe registered as the actor
// of `test_group`, and (once peers are known) a transport. Real time is fine
// here: these are tests of real sockets.

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

#include "actors/atoms.h"
#include "cluster/peer_router.h"
#include "cluster/peer_types.h"
#include "cluster/transport.h"

namespace caudal::testing {

using namespace std::chrono_literals;

inline const std::string test_group = "test/0";

struct node_options {
  // One scheduler thread: a burst sent from one actor handler is all in the
  // transport's mailbox before the transport runs (exact batching tests).
  bool one_thread = false;
  bool liveness = false; // BASP heartbeats that detect a silent peer fast
};

struct net_config : caf::actor_system_config {
  explicit net_config(node_options o) {
    if (o.one_thread) set("scheduler.max-threads", size_t{1});
    if (o.liveness) cluster::configure_peer_liveness(*this, 100, 1000);
    load<caf::io::middleman>();
    cluster::announce_peer_types(*this);
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

using transport_tweak = std::function<void(cluster::transport_config&)>;
using send_list = std::vector<std::pair<int32_t, caf::message>>;

struct test_node {
  int32_t id;
  net_config cfg;
  caf::actor_system sys{cfg};
  caf::actor router = cluster::spawn_peer_router(sys);
  caf::scoped_actor probe{sys};
  caf::actor transport;
  uint16_t port = 0;

  test_node(int32_t node_id, uint16_t want_port = 0, node_options o = {}) : id(node_id), cfg(o) {
    auto bound = cluster::publish_router(sys, router, "127.0.0.1", want_port);
    BOOST_REQUIRE(bound);
    port = *bound;
    caf::anon_send(router, actors::peer_register_atom::value, test_group, caf::actor{probe});
  }

  void start_transport(std::map<int32_t, cluster::peer_address> peers,
                       const transport_tweak& tweak = {}) {
    cluster::transport_config tc;
    tc.self_node = id;
    tc.router = router;
    tc.peers = std::move(peers);
    tc.backoff_min_ms = 20;
    tc.backoff_max_ms = 200;
    tc.connect_timeout_ms = 1000;
    tc.seed = static_cast<uint64_t>(id);
    if (tweak) tweak(tc);
    transport = cluster::spawn_transport(sys, std::move(tc));
  }

  ~test_node() {
    // Published and running actors keep the system alive: end them first.
    if (transport) caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
  }

  template <class T>
  T ask(const caf::actor& a) {
    caf::scoped_actor s{sys};
    T out{};
    s->request(a, 5s, actors::status_atom::value)
        .receive([&](T& x) { out = std::move(x); },
                 [&](caf::error& e) { BOOST_FAIL("status request failed: " << sys.render(e)); });
    return out;
  }

  cluster::peer_status peer(int32_t node) {
    for (auto& p : ask<cluster::transport_status>(transport).peers)
      if (p.node == node) return p;
    return {};
  }

  void send(int32_t to, caf::message m) {
    caf::anon_send(transport, actors::peer_send_atom::value, to, std::move(m));
  }

  // Sends the whole list from inside ONE handler of a fresh actor.
  void burst(send_list sends) {
    sys.spawn([t = transport, sends = std::move(sends)](caf::event_based_actor* self) mutable {
      for (auto& [to, m] : sends) self->send(t, actors::peer_send_atom::value, to, std::move(m));
    });
  }

  // The next message the probe gets as group actor, or nullopt after 5 s.
  std::optional<std::pair<int32_t, caf::message>> next_delivery() {
    std::optional<std::pair<int32_t, caf::message>> got;
    probe->receive([&](actors::peer_deliver_atom, int32_t from,
                       caf::message& m) { got.emplace(from, std::move(m)); },
                   caf::after(5s) >> [] {});
    return got;
  }
};

inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

} // namespace caudal::testing
