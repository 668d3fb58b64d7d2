#define BOOST_TEST_MODULE sim_network
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/atoms.h"
#include "sim/network/sim_network.h"

using namespace caudal;
using actors::peer_deliver_atom;
using actors::peer_send_atom;

namespace {

constexpr int64_t ns_per_ms = 1000000;

struct delivery {
  int64_t at_ms;
  int32_t node;
  int32_t from;
  int32_t seq;
  bool operator==(const delivery&) const = default;
};
using delivery_log = std::vector<delivery>;

int64_t now_ms(caf::actor_clock& clock) {
  return clock.now().time_since_epoch().count() / ns_per_ms;
}

// Stands in for a node's peer router: records what arrives, when.
caf::behavior recorder(caf::event_based_actor* self, std::shared_ptr<delivery_log> log,
                       int32_t node) {
  return {[self, log, node](peer_deliver_atom, int32_t from, caf::message& m) {
    int32_t seq = m.match_elements<std::string, int32_t>() ? m.get_as<int32_t>(1) : -1;
    log->push_back({now_ms(self->clock()), node, from, seq});
  }};
}

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

// Three nodes (1, 2, 3) on one test coordinator, driven like sim/sim_loop:
// runnable jobs in a seeded order, then a jump to the next timer.
struct fixture {
  explicit fixture(uint64_t seed = 1) : pick(seed) {
    net.emplace(sys, seed);
    for (int32_t n = 1; n <= 3; ++n) {
      routers[n] = sys.spawn(recorder, log, n);
      net->set_router(n, routers[n]);
      net->transport_for(n);
    }
    net->set_trace([this](int64_t at, const std::string& line) {
      trace.push_back(std::to_string(at) + " " + line);
    });
    run_until(0);
  }

  ~fixture() {
    net.reset();
    for (auto& [n, r] : routers) caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void send(int32_t from, int32_t to, int32_t seq) {
    caf::anon_send(net->transport_for(from), peer_send_atom::value, to,
                   caf::make_message(std::string("g"), seq));
  }

  void run_jobs() {
    while (sched.has_job()) {
      std::swap(sched.jobs[0], sched.jobs[pick() % sched.jobs.size()]);
      sched.run_once();
    }
  }

  // Runs jobs and fires timers up to virtual time `until` (ms), then stops there.
  void run_until(int64_t until) {
    for (;;) {
      run_jobs();
      int64_t now = sched.clock().now().time_since_epoch().count();
      int64_t limit = until * ns_per_ms;
      auto& schedule = sched.clock().schedule();
      int64_t next =
          schedule.empty() ? INT64_MAX : schedule.begin()->first.time_since_epoch().count();
      if (next > limit) {
        if (limit > now) sched.clock().advance_time(std::chrono::nanoseconds{limit - now});
        run_jobs();
        return;
      }
      if (next > now)
        sched.clock().advance_time(std::chrono::nanoseconds{next - now});
      else
        sched.clock().trigger_timeout();
    }
  }

  size_t count(int32_t from, int32_t to) const {
    return std::count_if(log->begin(), log->end(),
                         [&](const delivery& d) { return d.from == from && d.node == to; });
  }

  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::mt19937_64 pick;
  std::shared_ptr<delivery_log> log = std::make_shared<delivery_log>();
  std::vector<std::string> trace;
  std::map<int32_t, caf::actor> routers;
  std::optional<sim::sim_network> net;
};

sim::link_config latency(int64_t lo, int64_t hi) {
  sim::link_config c;
  c.latency_min_ms = lo;
  c.latency_max_ms = hi;
  return c;
}

} // namespace

BOOST_AUTO_TEST_CASE(deliveries_respect_latency_and_reorder) {
  fixture f;
  f.net->set_link(1, 2, latency(10, 50));
  for (int32_t seq = 0; seq < 200; ++seq) f.send(1, 2, seq);
  f.run_until(9);
  BOOST_CHECK_EQUAL(f.log->size(), 0u);
  f.run_until(1000);
  BOOST_REQUIRE_EQUAL(f.log->size(), 200u);
  int64_t lo = INT64_MAX, hi = 0;
  bool reordered = false;
  for (size_t i = 0; i < f.log->size(); ++i) {
    auto& d = (*f.log)[i];
    BOOST_CHECK(d.node == 2 && d.from == 1);
    lo = std::min(lo, d.at_ms);
    hi = std::max(hi, d.at_ms);
    if (i > 0 && d.seq < (*f.log)[i - 1].seq) reordered = true;
  }
  BOOST_CHECK_GE(lo, 10);
  BOOST_CHECK_LE(hi, 50);
  BOOST_CHECK_GT(hi - lo, 20); // uniform draws spread over the range
  BOOST_CHECK(reordered);
  // The default link (1 ms) is untouched by 1 -> 2's settings.
  f.send(2, 1, 0);
  f.run_until(1001);
  BOOST_REQUIRE_EQUAL(f.count(2, 1), 1u);
  BOOST_CHECK_EQUAL(f.log->back().at_ms, 1001);
}

BOOST_AUTO_TEST_CASE(loss_follows_the_probability) {
  fixture f{7};
  auto c = latency(1, 5);
  c.loss = 0.25;
  f.net->set_link(1, 2, c);
  for (int32_t seq = 0; seq < 4000; ++seq) f.send(1, 2, seq);
  f.run_until(100);
  auto st = f.net->stats();
  // Expected 3000 delivered, standard deviation ~27: +-200 is > 7 sigma.
  BOOST_CHECK_GT(f.log->size(), 2800u);
  BOOST_CHECK_LT(f.log->size(), 3200u);
  BOOST_CHECK_EQUAL(st.dropped_loss + f.log->size(), 4000u);
  BOOST_CHECK_EQUAL(st.delivered, f.log->size());
  BOOST_CHECK_EQUAL(st.sent, 4000u);
}

BOOST_AUTO_TEST_CASE(duplication_delivers_some_messages_twice) {
  fixture f{11};
  auto c = latency(1, 20);
  c.duplicate = 0.3;
  f.net->set_link(1, 2, c);
  for (int32_t seq = 0; seq < 2000; ++seq) f.send(1, 2, seq);
  f.run_until(100);
  auto st = f.net->stats();
  BOOST_CHECK_GT(st.duplicated, 500u); // expected 600, sd ~20
  BOOST_CHECK_LT(st.duplicated, 700u);
  BOOST_CHECK_EQUAL(f.log->size(), 2000u + st.duplicated);
  std::map<int32_t, int> seen;
  for (auto& d : *f.log) ++seen[d.seq];
  BOOST_CHECK_EQUAL(seen.size(), 2000u);
  uint64_t twice = 0;
  for (auto& [seq, n] : seen) {
    BOOST_CHECK(n == 1 || n == 2);
    if (n == 2) ++twice;
  }
  BOOST_CHECK_EQUAL(twice, st.duplicated);
}

BOOST_AUTO_TEST_CASE(one_way_partition_cuts_one_direction_and_heal_restores) {
  fixture f;
  f.net->partition({1}, {2, 3}, /*one_way=*/true);
  f.send(1, 2, 0);
  f.send(1, 3, 0);
  f.send(2, 1, 0);
  f.send(3, 1, 0);
  f.send(2, 3, 0);
  f.run_until(10);
  BOOST_CHECK_EQUAL(f.count(1, 2), 0u);
  BOOST_CHECK_EQUAL(f.count(1, 3), 0u);
  BOOST_CHECK_EQUAL(f.count(2, 1), 1u);
  BOOST_CHECK_EQUAL(f.count(3, 1), 1u);
  BOOST_CHECK_EQUAL(f.count(2, 3), 1u);
  BOOST_CHECK_EQUAL(f.net->stats().dropped_cut, 2u);
  f.net->heal();
  f.send(1, 2, 1);
  f.send(1, 3, 1);
  f.run_until(20);
  BOOST_CHECK_EQUAL(f.count(1, 2), 1u);
  BOOST_CHECK_EQUAL(f.count(1, 3), 1u);
}

BOOST_AUTO_TEST_CASE(symmetric_partition_also_cuts_messages_in_flight) {
  fixture f;
  f.net->set_default_link(latency(100, 100));
  f.send(1, 2, 0); // arrives at 100, after the partition began
  f.send(3, 2, 0); // not partitioned
  f.run_until(50);
  f.net->partition({1}, {2});
  f.send(2, 1, 1);
  f.run_until(300);
  BOOST_CHECK_EQUAL(f.count(1, 2), 0u);
  BOOST_CHECK_EQUAL(f.count(2, 1), 0u);
  BOOST_CHECK_EQUAL(f.count(3, 2), 1u);
  BOOST_CHECK_EQUAL(f.net->stats().dropped_cut, 2u);
}

BOOST_AUTO_TEST_CASE(clog_holds_messages_until_its_time_in_order) {
  fixture f;
  f.net->clog(1, 2, 500);
  for (int32_t seq = 0; seq < 10; ++seq) f.send(1, 2, seq);
  f.send(2, 1, 0); // the other direction flows
  f.run_until(499);
  BOOST_CHECK_EQUAL(f.count(1, 2), 0u);
  BOOST_CHECK_EQUAL(f.count(2, 1), 1u);
  f.run_until(600);
  BOOST_REQUIRE_EQUAL(f.count(1, 2), 10u);
  int32_t seq = 0;
  for (auto& d : *f.log) {
    if (d.from != 1) continue;
    BOOST_CHECK_EQUAL(d.at_ms, 500);
    BOOST_CHECK_EQUAL(d.seq, seq++);
  }
  // A clog that begins while a message is in flight holds it too.
  f.net->set_link(1, 2, latency(100, 100));
  f.send(1, 2, 99); // would arrive at 700
  f.run_until(650);
  f.net->clog(1, 2, 900);
  f.run_until(1000);
  BOOST_REQUIRE_EQUAL(f.count(1, 2), 11u);
  BOOST_CHECK_EQUAL(f.log->back().at_ms, 900);
}

BOOST_AUTO_TEST_CASE(a_down_node_neither_sends_nor_receives) {
  fixture f;
  f.net->set_default_link(latency(100, 100));
  f.send(1, 2, 0); // in flight while 2 goes down and up again
  f.run_until(10);
  f.net->set_node_up(2, false);
  BOOST_CHECK(!f.net->node_up(2));
  f.send(1, 2, 1);
  f.send(2, 1, 1);
  f.run_until(60);
  f.net->set_node_up(2, true);
  f.run_until(300);
  BOOST_CHECK_EQUAL(f.count(1, 2), 0u);
  BOOST_CHECK_EQUAL(f.count(2, 1), 0u);
  BOOST_CHECK_EQUAL(f.net->stats().dropped_down, 3u);
  f.send(1, 2, 2);
  f.send(2, 1, 2);
  f.run_until(500);
  BOOST_CHECK_EQUAL(f.count(1, 2), 1u);
  BOOST_CHECK_EQUAL(f.count(2, 1), 1u);
}

BOOST_AUTO_TEST_CASE(self_sends_skip_the_network_and_unknown_routers_are_counted) {
  fixture f;
  auto c = latency(50, 50);
  c.loss = 1.0;
  f.net->set_default_link(c);
  f.send(1, 1, 0);
  f.send(1, 4, 0); // node 4 has no router; loss 1.0 drops it first...
  f.run_until(0);
  BOOST_CHECK_EQUAL(f.count(1, 1), 1u); // at once, despite loss 1.0
  BOOST_CHECK_EQUAL(f.net->stats().dropped_loss, 1u);
  f.net->set_link(1, 4, latency(1, 1));
  f.send(1, 4, 1); // ...so this one reaches node 4 and finds no router
  f.run_until(10);
  BOOST_CHECK_EQUAL(f.count(1, 1), 1u);
  BOOST_CHECK_EQUAL(f.log->front().at_ms, 0);
  auto st = f.net->stats();
  BOOST_CHECK_EQUAL(st.dropped_no_router, 1u);
}

namespace {

// A busy mixed run: lossy, duplicating links with wide latencies among three
// nodes, sends spread over time, a partition and a clog in the middle.
std::pair<delivery_log, std::vector<std::string>> busy_run(uint64_t seed) {
  fixture f{seed};
  auto c = latency(1, 80);
  c.loss = 0.1;
  c.duplicate = 0.1;
  f.net->set_default_link(c);
  int32_t seq = 0;
  for (int64_t t = 0; t < 400; t += 10) {
    for (int32_t from = 1; from <= 3; ++from)
      for (int32_t to = 1; to <= 3; ++to)
        if (from != to) f.send(from, to, seq++);
    if (t == 100) f.net->partition({1}, {3}, true);
    if (t == 200) f.net->clog(2, 3, 260);
    if (t == 300) f.net->heal();
    f.run_until(t + 10);
  }
  f.run_until(1000);
  return {*f.log, f.trace};
}

} // namespace

BOOST_AUTO_TEST_CASE(same_seed_same_deliveries_other_seed_others) {
  auto a = busy_run(42);
  auto b = busy_run(42);
  auto c = busy_run(43);
  BOOST_CHECK_GT(a.first.size(), 100u);
  BOOST_CHECK(a.first == b.first);
  BOOST_CHECK(a.second == b.second);
  BOOST_CHECK(a.first != c.first);
  // The trace has one line per decision, deliveries included.
  auto delivers = std::count_if(a.second.begin(), a.second.end(), [](const std::string& l) {
    return l.find(" deliver") != std::string::npos;
  });
  BOOST_CHECK_EQUAL(static_cast<size_t>(delivers), a.first.size());
}
