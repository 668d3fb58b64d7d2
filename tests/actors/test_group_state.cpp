// The consumer-group state machine on a virtual clock: every timer the group
// asks for goes into a queue that the test advances, so session and rebalance
// timeouts are exercised deterministically.
#define BOOST_TEST_MODULE group_state
#include <boost/test/unit_test.hpp>

#include <map>

#include "actors/group_state.h"

using namespace caudal::actors;
namespace msg = caudal::protocol::msg;

namespace {

struct virtual_group {
  int64_t now = 0;
  std::multimap<int64_t, group_timer> timers;
  group_settings settings;
  consumer_group g;

  explicit virtual_group(int32_t initial_delay = 3000)
      : settings{6000, 1800000, initial_delay}, g{"g", settings,
                                                  [this](int64_t d, group_timer t) {
                                                    timers.emplace(now + d, t);
                                                  },
                                                  1} {}

  void advance(int64_t ms) {
    auto end = now + ms;
    while (!timers.empty() && timers.begin()->first <= end) {
      auto it = timers.begin();
      now = it->first;
      auto t = it->second;
      timers.erase(it);
      g.on_timer(t);
    }
    now = end;
  }
};

/// A JoinGroup whose response lands in `out` (nullopt while it waits).
struct join_slot {
  std::optional<msg::join_group_response> resp;
  join_reply cb() {
    return [this](msg::join_group_response r) { resp = std::move(r); };
  }
};

struct sync_slot {
  std::optional<msg::sync_group_response> resp;
  sync_reply cb() {
    return [this](msg::sync_group_response r) { resp = std::move(r); };
  }
};

caudal::protocol::byte_buffer bytes(const std::string& s) { return {s.begin(), s.end()}; }

msg::join_group_request join_req(const std::string& member,
                                 std::vector<std::string> protocols = {"range"},
                                 std::optional<std::string> instance = std::nullopt,
                                 const std::string& type = "consumer") {
  msg::join_group_request r;
  r.group_id = "g";
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 20000;
  r.member_id = member;
  r.group_instance_id = instance;
  r.protocol_type = type;
  for (auto& p : protocols) {
    auto& jp = r.protocols.emplace_back();
    jp.name = p;
    jp.metadata = bytes("meta-" + p);
  }
  return r;
}

msg::sync_group_request sync_req(const std::string& member, int32_t gen,
                                 std::map<std::string, std::string> assignments = {}) {
  msg::sync_group_request r;
  r.group_id = "g";
  r.member_id = member;
  r.generation_id = gen;
  for (auto& [m, a] : assignments) {
    auto& x = r.assignments.emplace_back();
    x.member_id = m;
    x.assignment = bytes(a);
  }
  return r;
}

int16_t beat(consumer_group& g, const std::string& member, int32_t gen,
             std::optional<std::string> instance = std::nullopt) {
  msg::heartbeat_request r;
  r.group_id = "g";
  r.member_id = member;
  r.generation_id = gen;
  r.group_instance_id = instance;
  return g.heartbeat(r);
}

/// KIP-394 two-step join at v5; returns the member id (join still pending).
std::string join_new(virtual_group& v, join_slot& slot,
                     std::vector<std::string> protocols = {"range"}) {
  join_slot first;
  v.g.join(join_req("", protocols), 5, {"client", "host"}, first.cb());
  BOOST_REQUIRE(first.resp);
  BOOST_REQUIRE_EQUAL(first.resp->error_code, group_error::member_id_required);
  auto id = first.resp->member_id;
  BOOST_REQUIRE(!id.empty());
  v.g.join(join_req(id, protocols), 5, {"client", "host"}, slot.cb());
  return id;
}

/// One member joined through the initial delay and synced: Stable, generation 1.
std::string stable_single(virtual_group& v) {
  join_slot j;
  auto a = join_new(v, j);
  v.advance(3000);
  BOOST_REQUIRE(j.resp);
  sync_slot s;
  v.g.sync(sync_req(a, 1, {{a, "all"}}), 3, s.cb());
  BOOST_REQUIRE(s.resp);
  return a;
}

} // namespace

BOOST_AUTO_TEST_CASE(member_id_required_from_v4_only) {
  virtual_group v;
  join_slot old;
  v.g.join(join_req(""), 3, {"c", ""}, old.cb());
  BOOST_CHECK(!old.resp); // v3: joined at once, waits for the join phase
  BOOST_CHECK_EQUAL(v.g.members().size(), 1u);
  join_slot j;
  v.g.join(join_req(""), 4, {"c", ""}, j.cb());
  BOOST_REQUIRE(j.resp);
  BOOST_CHECK_EQUAL(j.resp->error_code, group_error::member_id_required);
  BOOST_CHECK(j.resp->member_id.starts_with("c-"));
  BOOST_CHECK_EQUAL(v.g.pending_member_count(), 1u);
  // The pending member never comes back: it expires after its session timeout.
  v.advance(10000);
  BOOST_CHECK_EQUAL(v.g.pending_member_count(), 0u);
}

BOOST_AUTO_TEST_CASE(initial_delay_then_completing_then_stable) {
  virtual_group v;
  BOOST_CHECK(v.g.phase() == group_phase::empty);
  join_slot j;
  auto a = join_new(v, j);
  BOOST_CHECK(v.g.phase() == group_phase::preparing_rebalance);
  v.advance(2999);
  BOOST_CHECK(!j.resp);
  v.advance(1);
  BOOST_REQUIRE(j.resp);
  BOOST_CHECK_EQUAL(j.resp->error_code, 0);
  BOOST_CHECK_EQUAL(j.resp->generation_id, 1);
  BOOST_CHECK_EQUAL(j.resp->leader, a);
  BOOST_CHECK_EQUAL(*j.resp->protocol_name, "range");
  BOOST_REQUIRE_EQUAL(j.resp->members.size(), 1u);
  BOOST_CHECK(j.resp->members[0].metadata == bytes("meta-range"));
  BOOST_CHECK(v.g.phase() == group_phase::completing_rebalance);
  BOOST_CHECK_EQUAL(beat(v.g, a, 1), 0); // heartbeats are fine while the leader assigns
  sync_slot s;
  v.g.sync(sync_req(a, 1, {{a, "p0-p5"}}), 3, s.cb());
  BOOST_REQUIRE(s.resp);
  BOOST_CHECK_EQUAL(s.resp->error_code, 0);
  BOOST_CHECK(s.resp->assignment == bytes("p0-p5"));
  BOOST_CHECK(v.g.phase() == group_phase::stable);
  BOOST_CHECK_EQUAL(std::string(phase_name(v.g.phase())), "Stable");
}

BOOST_AUTO_TEST_CASE(initial_delay_extends_while_members_arrive) {
  virtual_group v;
  join_slot ja, jb;
  join_new(v, ja);
  v.advance(2000);
  join_new(v, jb);
  v.advance(1000); // first delay over, but a member arrived: wait another delay
  BOOST_CHECK(!ja.resp);
  v.advance(3000);
  BOOST_REQUIRE(ja.resp && jb.resp);
  BOOST_CHECK_EQUAL(ja.resp->generation_id, 1);
  BOOST_CHECK_EQUAL(v.g.members().size(), 2u);
}

BOOST_AUTO_TEST_CASE(second_member_triggers_rebalance_and_follower_waits_for_leader) {
  virtual_group v;
  auto a = stable_single(v);
  join_slot jb;
  auto b = join_new(v, jb);
  BOOST_CHECK(v.g.phase() == group_phase::preparing_rebalance);
  BOOST_CHECK(!jb.resp);
  BOOST_CHECK_EQUAL(beat(v.g, a, 1), group_error::rebalance_in_progress);
  sync_slot late;
  v.g.sync(sync_req(a, 1), 3, late.cb());
  BOOST_CHECK_EQUAL(late.resp->error_code, group_error::rebalance_in_progress);
  join_slot ja;
  v.g.join(join_req(a), 5, {"client", ""}, ja.cb());
  // Everyone rejoined: the phase ends without waiting for the rebalance timeout.
  BOOST_REQUIRE(ja.resp && jb.resp);
  BOOST_CHECK_EQUAL(ja.resp->generation_id, 2);
  BOOST_CHECK_EQUAL(ja.resp->leader, a);
  BOOST_CHECK_EQUAL(ja.resp->members.size(), 2u);
  BOOST_CHECK_EQUAL(jb.resp->members.size(), 0u); // only the leader sees the members
  sync_slot sb, sa;
  v.g.sync(sync_req(b, 2), 3, sb.cb());
  BOOST_CHECK(!sb.resp);
  v.g.sync(sync_req(a, 2, {{a, "A"}, {b, "B"}}), 3, sa.cb());
  BOOST_REQUIRE(sa.resp && sb.resp);
  BOOST_CHECK(sa.resp->assignment == bytes("A"));
  BOOST_CHECK(sb.resp->assignment == bytes("B"));
  BOOST_CHECK(v.g.phase() == group_phase::stable);
  BOOST_CHECK_EQUAL(beat(v.g, b, 1), group_error::illegal_generation);
  BOOST_CHECK_EQUAL(beat(v.g, "nobody", 2), group_error::unknown_member_id);
}

BOOST_AUTO_TEST_CASE(session_timeout_removes_silent_member) {
  virtual_group v;
  auto a = stable_single(v);
  join_slot jb;
  auto b = join_new(v, jb);
  join_slot ja;
  v.g.join(join_req(a), 5, {"client", ""}, ja.cb());
  sync_slot sa, sb;
  v.g.sync(sync_req(b, 2), 3, sb.cb());
  v.g.sync(sync_req(a, 2, {{a, "A"}, {b, "B"}}), 3, sa.cb());
  BOOST_REQUIRE(v.g.phase() == group_phase::stable);
  // a heartbeats every 3 s, b is silent: after 10 s b expires.
  for (int i = 0; i < 3; ++i) {
    v.advance(3000);
    BOOST_CHECK_EQUAL(beat(v.g, a, 2), 0);
  }
  BOOST_CHECK_EQUAL(v.g.members().size(), 2u);
  v.advance(1000);
  BOOST_CHECK_EQUAL(v.g.members().size(), 1u);
  BOOST_CHECK(v.g.phase() == group_phase::preparing_rebalance);
  BOOST_CHECK_EQUAL(beat(v.g, a, 2), group_error::rebalance_in_progress);
  join_slot again;
  v.g.join(join_req(a), 5, {"client", ""}, again.cb());
  BOOST_REQUIRE(again.resp);
  BOOST_CHECK_EQUAL(again.resp->generation_id, 3);
  BOOST_CHECK_EQUAL(again.resp->members.size(), 1u);
}

BOOST_AUTO_TEST_CASE(rebalance_timeout_drops_members_that_do_not_rejoin) {
  virtual_group v;
  auto a = stable_single(v);
  join_slot jb;
  auto b = join_new(v, jb);
  // a keeps heartbeating (told to rejoin) but never does.
  for (int i = 0; i < 6; ++i) {
    v.advance(3000);
    beat(v.g, a, 1);
  }
  BOOST_CHECK(!jb.resp);
  v.advance(2000); // 20 s rebalance timeout of the members
  BOOST_REQUIRE(jb.resp);
  BOOST_CHECK_EQUAL(jb.resp->generation_id, 2);
  BOOST_CHECK_EQUAL(jb.resp->leader, b);
  BOOST_CHECK_EQUAL(v.g.members().count(a), 0u);
  BOOST_CHECK(v.g.phase() == group_phase::completing_rebalance);
}

BOOST_AUTO_TEST_CASE(leave_of_last_member_empties_the_group) {
  virtual_group v;
  auto a = stable_single(v);
  msg::leave_group_request l;
  l.group_id = "g";
  auto& who = l.members.emplace_back();
  who.member_id = a;
  auto& ghost = l.members.emplace_back();
  ghost.member_id = "ghost";
  auto r = v.g.leave(l, 3);
  BOOST_REQUIRE_EQUAL(r.members.size(), 2u);
  BOOST_CHECK_EQUAL(r.members[0].error_code, 0);
  BOOST_CHECK_EQUAL(r.members[1].error_code, group_error::unknown_member_id);
  BOOST_CHECK(v.g.phase() == group_phase::empty);
  BOOST_CHECK_EQUAL(v.g.generation(), 2);
  BOOST_CHECK_EQUAL(beat(v.g, a, 2), group_error::unknown_member_id);
  // v0 leave names one member in the top-level field.
  msg::leave_group_request old;
  old.group_id = "g";
  old.member_id = a;
  BOOST_CHECK_EQUAL(v.g.leave(old, 0).error_code, group_error::unknown_member_id);
}

BOOST_AUTO_TEST_CASE(protocol_checks) {
  virtual_group v;
  auto a = stable_single(v);
  join_slot bad_type;
  v.g.join(join_req("", {"range"}, std::nullopt, "connect"), 5, {"c", ""}, bad_type.cb());
  BOOST_CHECK_EQUAL(bad_type.resp->error_code, group_error::inconsistent_group_protocol);
  join_slot no_common;
  v.g.join(join_req("", {"sticky"}), 5, {"c", ""}, no_common.cb());
  BOOST_CHECK_EQUAL(no_common.resp->error_code, group_error::inconsistent_group_protocol);
  join_slot bad_timeout;
  auto req = join_req("");
  req.session_timeout_ms = 100;
  v.g.join(req, 5, {"c", ""}, bad_timeout.cb());
  BOOST_CHECK_EQUAL(bad_timeout.resp->error_code, group_error::invalid_session_timeout);
  join_slot unknown;
  v.g.join(join_req("who"), 5, {"c", ""}, unknown.cb());
  BOOST_CHECK_EQUAL(unknown.resp->error_code, group_error::unknown_member_id);
  BOOST_CHECK(v.g.phase() == group_phase::stable);
  BOOST_CHECK_EQUAL(v.g.members().count(a), 1u);
}

BOOST_AUTO_TEST_CASE(protocol_selected_by_vote_among_common_ones) {
  virtual_group v{0};
  join_slot ja, jb, jc;
  join_new(v, ja, {"range", "roundrobin"});
  join_new(v, jb, {"roundrobin", "range"});
  join_new(v, jc, {"roundrobin", "sticky", "range"});
  v.advance(0);
  BOOST_REQUIRE(ja.resp);
  BOOST_CHECK_EQUAL(*ja.resp->protocol_name, "roundrobin");
  BOOST_CHECK_EQUAL(v.g.protocol_name(), "roundrobin");
}

BOOST_AUTO_TEST_CASE(static_member_rejoin_keeps_assignment_without_rebalance) {
  virtual_group v{0};
  join_slot ja;
  v.g.join(join_req("", {"range"}, "inst-a"), 5, {"c", ""}, ja.cb());
  join_slot jb;
  v.g.join(join_req("", {"range"}, "inst-b"), 5, {"c", ""}, jb.cb());
  v.advance(0);
  BOOST_REQUIRE(ja.resp && jb.resp);
  auto a = ja.resp->member_id, b = jb.resp->member_id;
  BOOST_CHECK(b.starts_with("inst-b-"));
  sync_slot sa, sb;
  v.g.sync(sync_req(b, 1), 3, sb.cb());
  v.g.sync(sync_req(a, 1, {{a, "A"}, {b, "B"}}), 3, sa.cb());
  BOOST_REQUIRE(sb.resp && v.g.phase() == group_phase::stable);
  // inst-b restarts without its member id: new id, same generation, no rebalance.
  join_slot again;
  v.g.join(join_req("", {"range"}, "inst-b"), 5, {"c", ""}, again.cb());
  BOOST_REQUIRE(again.resp);
  BOOST_CHECK_EQUAL(again.resp->error_code, 0);
  auto b2 = again.resp->member_id;
  BOOST_CHECK(b2 != b);
  BOOST_CHECK_EQUAL(again.resp->generation_id, 1);
  BOOST_CHECK(v.g.phase() == group_phase::stable);
  sync_slot s2;
  v.g.sync(sync_req(b2, 1), 3, s2.cb());
  BOOST_CHECK(s2.resp->assignment == bytes("B"));
  BOOST_CHECK_EQUAL(beat(v.g, b, 1, "inst-b"), group_error::fenced_instance_id);
  BOOST_CHECK_EQUAL(beat(v.g, b2, 1, "inst-b"), 0);
  // A changed subscription of a static member rebalances.
  join_slot changed;
  v.g.join(join_req("", {"range", "roundrobin"}, "inst-b"), 5, {"c", ""}, changed.cb());
  BOOST_CHECK(v.g.phase() == group_phase::preparing_rebalance);
}

BOOST_AUTO_TEST_CASE(commit_validation) {
  virtual_group v;
  BOOST_CHECK_EQUAL(v.g.validate_commit(-1, "", std::nullopt), 0); // standalone, Empty group
  join_slot j;
  auto a = join_new(v, j);
  v.advance(3000);
  BOOST_CHECK_EQUAL(v.g.validate_commit(1, a, std::nullopt), group_error::rebalance_in_progress);
  sync_slot s;
  v.g.sync(sync_req(a, 1, {{a, "x"}}), 3, s.cb());
  BOOST_CHECK_EQUAL(v.g.validate_commit(1, a, std::nullopt), 0);
  BOOST_CHECK_EQUAL(v.g.validate_commit(0, a, std::nullopt), group_error::illegal_generation);
  BOOST_CHECK_EQUAL(v.g.validate_commit(-1, "", std::nullopt), group_error::unknown_member_id);
  v.g.mark_dead();
  BOOST_CHECK(v.g.phase() == group_phase::dead);
  BOOST_CHECK_EQUAL(v.g.validate_commit(-1, "", std::nullopt),
                    group_error::coordinator_not_available);
}

BOOST_AUTO_TEST_CASE(describe_and_subscriptions) {
  virtual_group v{0};
  // ConsumerProtocolSubscription v0 with topics "t1", "t2".
  caudal::protocol::byte_buffer meta;
  caudal::protocol::writer w{meta};
  w.i16(0);
  w.i32(2);
  for (std::string t : {"t1", "t2"}) {
    w.i16(static_cast<int16_t>(t.size()));
    w.raw(std::string_view{t});
  }
  w.i32(-1);
  auto req = join_req("", {"range"}, "i");
  req.protocols[0].metadata = meta;
  join_slot j;
  v.g.join(req, 5, {"cid", "h"}, j.cb());
  v.advance(0);
  auto id = j.resp->member_id;
  sync_slot s;
  v.g.sync(sync_req(id, 1, {{id, "x"}}), 3, s.cb());
  auto d = v.g.describe();
  BOOST_CHECK_EQUAL(d.group_state, "Stable");
  BOOST_CHECK_EQUAL(d.protocol_data, "range");
  BOOST_REQUIRE_EQUAL(d.members.size(), 1u);
  BOOST_CHECK_EQUAL(d.members[0].client_id, "cid");
  BOOST_CHECK(d.members[0].member_assignment == bytes("x"));
  BOOST_CHECK((v.g.subscribed_topics() == std::vector<std::string>{"t1", "t2"}));
}
