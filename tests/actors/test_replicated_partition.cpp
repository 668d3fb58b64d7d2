// Replicated partition actors: three replicas of one partition, each on its
// own "node" (router, metastore, directory), in one actor system on CAF's test
// coordinator over the simulated network, on the virtual clock. No controller:
// the replicas elect a leader among themselves.
#define BOOST_TEST_MODULE replicated_partition
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/atoms.h"
#include "actors/partition_actor.h"
#include "actors/partition_messages.h"
#include "cluster/peer_router.h"
#include "protocol/record_batch.h"
#include "protocol/record_builder.h"
#include "sim/network/sim_network.h"

using namespace caudal;
using namespace caudal::actors;

namespace {

struct testing_config : caf::actor_system_config {
  testing_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

constexpr int32_t nodes = 3;

struct replicas_fixture {
  std::string dir;
  storage::posix_filesystem fs;
  std::map<int32_t, std::unique_ptr<storage::metastore>> metas;
  testing_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::unique_ptr<sim::sim_network> owned_net = std::make_unique<sim::sim_network>(sys, 11);
  sim::sim_network& net = *owned_net;
  std::map<int32_t, caf::actor> routers, replicas;
  int restarts = 0;

  replicas_fixture() {
    auto base = (std::filesystem::temp_directory_path() / "caudal-repl-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(base.data()) != nullptr);
    dir = base;
    net.set_default_link({1, 5, 0.0, 0.0});
    for (int32_t id = 1; id <= nodes; ++id) {
      auto m = storage::metastore::open(dir + "/meta-" + std::to_string(id));
      BOOST_REQUIRE(m);
      metas[id] = std::move(*m);
      routers[id] = cluster::spawn_peer_router(sys);
      net.set_router(id, routers[id]);
      start(id);
    }
  }
  ~replicas_fixture() {
    for (auto& [id, a] : replicas) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& [id, a] : routers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    owned_net.reset(); // ends the transports; their exits run below
    sched.run();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  void start(int32_t id) {
    partition_args pa;
    pa.topic = "t";
    pa.partition = 0;
    pa.dir = dir + "/node-" + std::to_string(id) + "/t-0";
    pa.fs = &fs;
    replication_args ra;
    ra.group = "t/0";
    ra.self = id;
    ra.voters = {1, 2, 3};
    ra.transport = net.transport_for(id);
    ra.router = routers[id];
    ra.meta = metas[id].get();
    ra.election_timeout_ms = 1000;
    ra.fetch_wait_ms = 200;
    ra.min_insync_replicas = 2;
    ra.seed = 100 * static_cast<uint64_t>(id) + static_cast<uint64_t>(restarts++);
    pa.replication = ra;
    std::string error;
    replicas[id] = spawn_partition(sys, pa, error);
    BOOST_REQUIRE_MESSAGE(replicas[id], error);
    replicas[id]->attach_functor([id](const caf::error& reason) {
      if (reason && reason != caf::exit_reason::kill && reason != caf::exit_reason::user_shutdown)
        BOOST_ERROR("replica " << id << " died: " << caf::to_string(reason));
    });
    net.set_node_up(id, true);
    sched.run();
  }

  void kill(int32_t id) {
    caf::anon_send_exit(replicas[id], caf::exit_reason::kill);
    replicas.erase(id);
    net.set_node_up(id, false);
    sched.run();
  }

  /// Runs jobs and timers (jumping the virtual clock) until pred or max_ms.
  bool run_until(const std::function<bool()>& pred, int64_t max_ms = 20000) {
    auto deadline = sched.clock().now() + std::chrono::milliseconds{max_ms};
    while (!pred()) {
      if (sched.has_job()) {
        sched.run_once();
        continue;
      }
      if (sched.clock().now() >= deadline || !sched.trigger_timeout()) return false;
    }
    return true;
  }

  template <class Reply, class... Ts>
  std::optional<Reply> ask(int32_t id, Ts... xs) {
    std::optional<Reply> out;
    auto a = replicas[id];
    auto helper = sys.spawn([a, &out, xs...](caf::event_based_actor* h) {
      h->request(a, caf::infinite, xs...).then([&out](Reply& r) { out = std::move(r); });
    });
    run_until([&] { return out.has_value(); }, 40000);
    return out;
  }

  /// The node whose replica says it leads (appends succeed), probing with
  /// an empty read.
  int32_t leader() {
    for (auto& [id, a] : replicas) {
      auto r = ask<read_reply>(id, read_atom::value, read_request{0, 1024, true});
      if (r && r->error != 6) return id;
    }
    return -1;
  }

  void run_for(int64_t ms) {
    auto end = sched.clock().now() + std::chrono::milliseconds{ms};
    run_until([&] { return sched.clock().now() >= end; }, ms + 1);
  }

  int32_t await_leader() {
    for (int i = 0; i < 100; ++i) {
      if (auto l = leader(); l > 0) return l;
      run_for(200);
    }
    return -1;
  }
};

protocol::byte_buffer batch_of(const std::string& value) {
  protocol::batch_builder b;
  b.add_text(1000, std::nullopt, value);
  return b.build();
}

/// Every record value the leader serves, in offset order, up to the HW.
std::vector<std::string> committed_values(replicas_fixture& f, int32_t leader) {
  std::vector<std::string> out;
  int64_t offset = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    auto r = f.ask<read_reply>(leader, read_atom::value, read_request{offset, 1 << 20, true});
    BOOST_REQUIRE(r);
    BOOST_REQUIRE_EQUAL(r->error, 0);
    if (r->records.empty()) break;
    std::vector<protocol::batch_span> spans;
    BOOST_REQUIRE(protocol::split_batches(r->records, spans) == protocol::batch_error::none);
    for (auto& s : spans) {
      std::span<const uint8_t> bytes{r->records.data() + s.position, s.size()};
      offset = s.header.last_offset() + 1;
      if (s.header.is_control()) continue;
      std::vector<protocol::record> recs;
      BOOST_REQUIRE(protocol::decode_records(bytes, recs) == protocol::batch_error::none);
      for (auto& rec : recs)
        out.emplace_back(rec.value ? std::string(rec.value->begin(), rec.value->end()) : "");
    }
  }
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(leader_elected_and_acks_all_commits_on_a_quorum, replicas_fixture) {
  auto l = await_leader();
  BOOST_REQUIRE(l > 0);
  for (int i = 0; i < 20; ++i) {
    auto rep = ask<append_reply>(l, append_atom::value,
                                 append_request{batch_of("v" + std::to_string(i)), -1});
    BOOST_REQUIRE(rep);
    BOOST_CHECK_EQUAL(rep->error, 0);
  }
  auto values = committed_values(*this, l);
  BOOST_REQUIRE_EQUAL(values.size(), 20u);
  BOOST_CHECK_EQUAL(values.front(), "v0");
  BOOST_CHECK_EQUAL(values.back(), "v19");
  // Followers refuse produce and consumer reads: clients go to the leader.
  for (auto& [id, a] : replicas) {
    if (id == l) continue;
    auto rep = ask<append_reply>(id, append_atom::value, append_request{batch_of("x"), -1});
    BOOST_REQUIRE(rep);
    BOOST_CHECK_EQUAL(rep->error, 6);
  }
}

BOOST_FIXTURE_TEST_CASE(acknowledged_records_survive_the_leader_crash, replicas_fixture) {
  auto first = await_leader();
  BOOST_REQUIRE(first > 0);
  for (int i = 0; i < 10; ++i) {
    auto rep = ask<append_reply>(first, append_atom::value,
                                 append_request{batch_of("a" + std::to_string(i)), -1});
    BOOST_REQUIRE(rep && rep->error == 0);
  }
  auto old_status = ask<partition_status>(first, status_atom::value);
  BOOST_REQUIRE(old_status && old_status->leader);
  kill(first);
  auto second = await_leader();
  BOOST_REQUIRE(second > 0);
  BOOST_CHECK_NE(second, first);
  auto new_status = ask<partition_status>(second, status_atom::value);
  BOOST_REQUIRE(new_status);
  BOOST_CHECK_GT(new_status->leader_epoch, old_status->leader_epoch);
  // KIP-320: a consumer still on the old epoch is fenced, one ahead is told to wait.
  auto fenced = ask<read_reply>(second, read_atom::value,
                                read_request{0, 1024, true, old_status->leader_epoch});
  BOOST_REQUIRE(fenced);
  BOOST_CHECK_EQUAL(fenced->error, 74);
  auto ahead = ask<read_reply>(second, read_atom::value,
                               read_request{0, 1024, true, new_status->leader_epoch + 1});
  BOOST_REQUIRE(ahead);
  BOOST_CHECK_EQUAL(ahead->error, 75);
  // OffsetForLeaderEpoch: the old epoch ends where the new one begins.
  auto end = ask<epoch_reply>(second, epoch_atom::value, new_status->leader_epoch,
                              old_status->leader_epoch);
  BOOST_REQUIRE(end);
  BOOST_CHECK_EQUAL(end->error, 0);
  BOOST_CHECK_EQUAL(end->leader_epoch, old_status->leader_epoch);
  BOOST_CHECK_GE(end->end_offset, 10);
  for (int i = 0; i < 10; ++i) {
    auto rep = ask<append_reply>(second, append_atom::value,
                                 append_request{batch_of("b" + std::to_string(i)), -1});
    BOOST_REQUIRE(rep && rep->error == 0);
  }
  start(first); // rejoins as a follower and catches up
  auto values = committed_values(*this, second);
  BOOST_REQUIRE_EQUAL(values.size(), 20u);
  BOOST_CHECK_EQUAL(values[9], "a9");
  BOOST_CHECK_EQUAL(values[10], "b0");
}

BOOST_FIXTURE_TEST_CASE(acks_all_refused_without_min_insync_replicas, replicas_fixture) {
  auto l = await_leader();
  BOOST_REQUIRE(l > 0);
  for (auto& id : std::vector<int32_t>{1, 2, 3})
    if (id != l) net.set_node_up(id, false); // the leader is alone
  run_for(12000);                            // longer than replica.lag.time.max.ms
  auto rep = ask<append_reply>(l, append_atom::value, append_request{batch_of("x"), -1});
  BOOST_REQUIRE(rep);
  // Either refused up front or, once check-quorum made it resign, not leader.
  BOOST_CHECK(rep->error == 19 || rep->error == 6);
}

BOOST_FIXTURE_TEST_CASE(corrupt_batch_refused_and_replica_keeps_working, replicas_fixture) {
  auto l = await_leader();
  BOOST_REQUIRE(l > 0);
  auto bad = batch_of("x");
  bad.back() ^= 0xff; // breaks the CRC
  auto rep = ask<append_reply>(l, append_atom::value, append_request{bad, -1});
  BOOST_REQUIRE(rep);
  BOOST_CHECK_EQUAL(rep->error, 2); // CORRUPT_MESSAGE
  auto good = ask<append_reply>(l, append_atom::value, append_request{batch_of("ok"), -1});
  BOOST_REQUIRE(good);
  BOOST_CHECK_EQUAL(good->error, 0);
}
