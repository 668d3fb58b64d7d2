// The group actors on CAF's test_coordinator (scheduler.policy = testing): the
// initial rebalance delay and the session timeout run as delayed_send timers on
// the virtual actor clock, advanced by the test.
#define BOOST_TEST_MODULE group_actor_virtual_time
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/group_coordinator.h"
#include "actors/group_messages.h"

using namespace caudal;
using namespace std::chrono_literals;
namespace msg = protocol::msg;

namespace {

struct testing_config : caf::actor_system_config {
  testing_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

struct fixture {
  std::string dir;
  std::unique_ptr<storage::metastore> meta;
  testing_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  caf::scoped_actor self{sys, true};
  caf::actor topic_manager; // stand-in: the coordinator only monitors it here
  caf::actor coordinator;

  fixture() {
    auto base = (std::filesystem::temp_directory_path() / "caudal-groups-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(base.data()) != nullptr);
    dir = base;
    auto m = storage::metastore::open(dir + "/meta");
    BOOST_REQUIRE(m);
    meta = std::move(*m);
    topic_manager = sys.spawn([] { return caf::behavior{[](int32_t) {}}; });
    actors::group_coordinator_args a;
    a.meta = meta.get();
    a.cache = std::make_shared<actors::metadata_cache>();
    a.topic_manager = topic_manager;
    a.seed = 3;
    coordinator = actors::spawn_group_coordinator(sys, a);
    sched.run();
  }
  ~fixture() {
    caf::anon_send_exit(topic_manager, caf::exit_reason::user_shutdown);
    sched.run();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  template <class T>
  T next() {
    sched.run();
    T out;
    bool got = false;
    self->receive([&](T& x) { out = std::move(x), got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    BOOST_REQUIRE_MESSAGE(got, "no reply");
    return out;
  }
  bool nothing_yet() {
    sched.run();
    bool empty = true;
    self->receive([&](caf::message&) { empty = false; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return empty;
  }
  std::string state() {
    self->send(coordinator, actors::gdescribe_atom::value, std::string{"g"});
    return next<msg::describe_groups_response::described_group>().group_state;
  }
};

msg::join_group_request join_req(const std::string& member) {
  msg::join_group_request r;
  r.group_id = "g";
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 30000;
  r.member_id = member;
  r.protocol_type = "consumer";
  r.protocols.emplace_back().name = "range";
  return r;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(initial_delay_and_session_timeout_on_virtual_time, fixture) {
  self->send(coordinator, actors::gjoin_atom::value, join_req(""), int16_t{5},
             actors::client_info{"c", ""});
  auto first = next<msg::join_group_response>();
  BOOST_REQUIRE_EQUAL(first.error_code, 79);
  self->send(coordinator, actors::gjoin_atom::value, join_req(first.member_id), int16_t{5},
             actors::client_info{"c", ""});
  BOOST_CHECK(nothing_yet()); // waits for group.initial.rebalance.delay.ms (3000)
  sched.clock().advance_time(2999ms);
  BOOST_CHECK(nothing_yet());
  sched.clock().advance_time(1ms);
  auto joined = next<msg::join_group_response>();
  BOOST_CHECK_EQUAL(joined.generation_id, 1);
  BOOST_CHECK_EQUAL(state(), "CompletingRebalance");
  msg::sync_group_request s;
  s.group_id = "g";
  s.generation_id = 1;
  s.member_id = first.member_id;
  s.assignments.emplace_back().member_id = first.member_id;
  self->send(coordinator, actors::gsync_atom::value, s, int16_t{3});
  BOOST_CHECK_EQUAL(next<msg::sync_group_response>().error_code, 0);
  BOOST_CHECK_EQUAL(state(), "Stable");
  // Heartbeats keep the member for 2 x 8 s; silence for 10 s expires it.
  msg::heartbeat_request hb;
  hb.group_id = "g";
  hb.generation_id = 1;
  hb.member_id = first.member_id;
  for (int i = 0; i < 2; ++i) {
    sched.clock().advance_time(8s);
    self->send(coordinator, actors::gbeat_atom::value, hb);
    BOOST_CHECK_EQUAL(next<int16_t>(), 0);
  }
  sched.clock().advance_time(9999ms);
  sched.run();
  BOOST_CHECK_EQUAL(state(), "Stable");
  sched.clock().advance_time(1ms);
  sched.run();
  BOOST_CHECK_EQUAL(state(), "Empty");
  self->send(coordinator, actors::gbeat_atom::value, hb);
  BOOST_CHECK_EQUAL(next<int16_t>(), 25); // UNKNOWN_MEMBER_ID
}
