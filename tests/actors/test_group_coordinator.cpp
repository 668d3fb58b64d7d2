// The group APIs through a session and the group coordinator actors (real
// scheduler, files in a temp dir): wire versions, routing by group id, the
// __consumer_offsets records and the LMDB copy of commits.
#define BOOST_TEST_MODULE actors_group_coordinator
#include "node_fixture.h"

#include "actors/group_offsets.h"
#include "protocol/record_batch.h"

using namespace caudal;
using namespace caudal::testing;

namespace {

actors::group_settings fast_groups() {
  actors::group_settings s;
  s.initial_rebalance_delay_ms = 0;
  return s;
}

void create_topic(node_fixture& f, node_fixture::client& c, const std::string& name, int32_t n) {
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = name;
  t.num_partitions = n;
  t.replication_factor = 1;
  req.timeout_ms = 1000;
  auto r = f.call<msg::create_topics_response>(c, req, 7);
  BOOST_REQUIRE_EQUAL(r.topics.at(0).error_code, 0);
}

msg::join_group_request join_req(const std::string& group, const std::string& member) {
  msg::join_group_request r;
  r.group_id = group;
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 10000;
  r.member_id = member;
  r.protocol_type = "consumer";
  auto& p = r.protocols.emplace_back();
  p.name = "range";
  p.metadata = {0, 1, 2};
  return r;
}

/// Joins `group` with one member (KIP-394 round trip) and syncs: Stable, generation 1.
std::string join_alone(node_fixture& f, node_fixture::client& c, const std::string& group) {
  auto first = f.call<msg::join_group_response>(c, join_req(group, ""), 9);
  BOOST_REQUIRE_EQUAL(first.error_code, 79); // MEMBER_ID_REQUIRED
  auto joined = f.call<msg::join_group_response>(c, join_req(group, first.member_id), 9);
  BOOST_REQUIRE_EQUAL(joined.error_code, 0);
  BOOST_CHECK_EQUAL(joined.generation_id, 1);
  BOOST_CHECK_EQUAL(joined.leader, first.member_id);
  BOOST_CHECK_EQUAL(*joined.protocol_type, "consumer");
  msg::sync_group_request s;
  s.group_id = group;
  s.generation_id = 1;
  s.member_id = first.member_id;
  auto& a = s.assignments.emplace_back();
  a.member_id = first.member_id;
  a.assignment = {9, 9};
  auto synced = f.call<msg::sync_group_response>(c, s, 5);
  BOOST_REQUIRE_EQUAL(synced.error_code, 0);
  BOOST_CHECK((synced.assignment == protocol::byte_buffer{9, 9}));
  return first.member_id;
}

msg::offset_commit_request commit_req(const std::string& group, int32_t gen,
                                      const std::string& member, const std::string& topic,
                                      int64_t offset) {
  msg::offset_commit_request r;
  r.group_id = group;
  r.generation_id_or_member_epoch = gen;
  r.member_id = member;
  auto& t = r.topics.emplace_back();
  t.name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.committed_offset = offset;
  p.committed_leader_epoch = 3;
  p.committed_metadata = "m";
  return r;
}

} // namespace

BOOST_AUTO_TEST_CASE(find_coordinator_v0_and_batched_v4) {
  node_fixture f;
  auto c = f.connect();
  msg::find_coordinator_request old;
  old.key = "g";
  auto r0 = f.call<msg::find_coordinator_response>(c, old, 0);
  BOOST_CHECK_EQUAL(r0.error_code, 0);
  BOOST_CHECK_EQUAL(r0.node_id, 1);
  BOOST_CHECK_EQUAL(r0.port, 9092);
  msg::find_coordinator_request batched;
  batched.coordinator_keys = {"a", "b"};
  auto r4 = f.call<msg::find_coordinator_response>(c, batched, 4);
  BOOST_REQUIRE_EQUAL(r4.coordinators.size(), 2u);
  BOOST_CHECK_EQUAL(r4.coordinators[1].key, "b");
  BOOST_CHECK_EQUAL(r4.coordinators[1].host, "127.0.0.1");
  batched.key_type = 1; // transactions: not served
  auto tx = f.call<msg::find_coordinator_response>(c, batched, 4);
  BOOST_CHECK_EQUAL(tx.coordinators[0].error_code, 15);
}

BOOST_AUTO_TEST_CASE(join_sync_heartbeat_commit_fetch_over_the_wire) {
  node_fixture f{{}, fast_groups()};
  auto c = f.connect();
  create_topic(f, c, "t", 2);
  auto member = join_alone(f, c, "g1");
  msg::heartbeat_request hb;
  hb.group_id = "g1";
  hb.generation_id = 1;
  hb.member_id = member;
  BOOST_CHECK_EQUAL(f.call<msg::heartbeat_response>(c, hb, 4).error_code, 0);
  hb.generation_id = 0;
  BOOST_CHECK_EQUAL(f.call<msg::heartbeat_response>(c, hb, 4).error_code, 22);
  auto bad = f.call<msg::offset_commit_response>(c, commit_req("g1", -1, "", "t", 5), 8);
  BOOST_CHECK_EQUAL(bad.topics[0].partitions[0].error_code, 25); // group is active
  auto ok = f.call<msg::offset_commit_response>(c, commit_req("g1", 1, member, "t", 42), 8);
  BOOST_CHECK_EQUAL(ok.topics[0].partitions[0].error_code, 0);
  auto unknown = f.call<msg::offset_commit_response>(c, commit_req("g1", 1, member, "nope", 1), 8);
  BOOST_CHECK_EQUAL(unknown.topics[0].partitions[0].error_code, 3);
  // OffsetFetch v5 (one group) and the LMDB copy.
  msg::offset_fetch_request q;
  q.group_id = "g1";
  auto& qt = q.topics.emplace();
  auto& t = qt.emplace_back();
  t.name = "t";
  t.partition_indexes = {0, 1};
  auto got = f.call<msg::offset_fetch_response>(c, q, 5);
  BOOST_REQUIRE_EQUAL(got.topics.at(0).partitions.size(), 2u);
  BOOST_CHECK_EQUAL(got.topics[0].partitions[0].committed_offset, 42);
  BOOST_CHECK_EQUAL(got.topics[0].partitions[0].committed_leader_epoch, 3);
  BOOST_CHECK_EQUAL(*got.topics[0].partitions[0].metadata, "m");
  BOOST_CHECK_EQUAL(got.topics[0].partitions[1].committed_offset, -1);
  auto stored = f.meta->get_offset({"g1", "t", 0});
  BOOST_REQUIRE(stored && *stored);
  BOOST_CHECK_EQUAL((*stored)->offset, 42);
  // The commit is also a record in the group's __consumer_offsets partition.
  auto snap = f.cache->get();
  auto* topic = snap->find(actors::offsets_topic);
  BOOST_REQUIRE(topic);
  BOOST_CHECK_EQUAL(topic->partitions.size(), 5u);
  BOOST_CHECK(topic->internal);
  auto part = actors::offsets_partition_for("g1", 5);
  msg::fetch_request fr;
  fr.replica_id = -1;
  fr.max_bytes = 1 << 20;
  fr.session_epoch = -1;
  auto& ft = fr.topics.emplace_back();
  ft.topic = actors::offsets_topic;
  auto& fp = ft.partitions.emplace_back();
  fp.partition = part;
  fp.partition_max_bytes = 1 << 20;
  auto fetched = f.call<msg::fetch_response>(c, fr, 4);
  auto& records = fetched.responses.at(0).partitions.at(0).records;
  BOOST_REQUIRE(records && !records->empty());
  BOOST_CHECK_EQUAL(fetched.responses[0].partitions[0].high_watermark, 1);
}

BOOST_AUTO_TEST_CASE(describe_list_delete_groups) {
  node_fixture f{{}, fast_groups()};
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  auto member = join_alone(f, c, "active");
  auto standalone = f.call<msg::offset_commit_response>(c, commit_req("idle", -1, "", "t", 7), 8);
  BOOST_CHECK_EQUAL(standalone.topics[0].partitions[0].error_code, 0);
  msg::describe_groups_request d;
  d.groups = {"active", "missing"};
  auto described = f.call<msg::describe_groups_response>(c, d, 5);
  BOOST_REQUIRE_EQUAL(described.groups.size(), 2u);
  BOOST_CHECK_EQUAL(described.groups[0].group_state, "Stable");
  BOOST_CHECK_EQUAL(described.groups[0].protocol_data, "range");
  BOOST_REQUIRE_EQUAL(described.groups[0].members.size(), 1u);
  BOOST_CHECK_EQUAL(described.groups[0].members[0].member_id, member);
  BOOST_CHECK_EQUAL(described.groups[0].members[0].client_id, "test");
  BOOST_CHECK_EQUAL(described.groups[1].group_state, "Dead");
  msg::list_groups_request all;
  auto listed = f.call<msg::list_groups_response>(c, all, 4);
  BOOST_CHECK_EQUAL(listed.groups.size(), 2u);
  msg::list_groups_request stable;
  stable.states_filter = {"stable"};
  auto only = f.call<msg::list_groups_response>(c, stable, 4);
  BOOST_REQUIRE_EQUAL(only.groups.size(), 1u);
  BOOST_CHECK_EQUAL(only.groups[0].group_id, "active");
  BOOST_CHECK_EQUAL(only.groups[0].group_state, "Stable");
  msg::delete_groups_request del;
  del.groups_names = {"active", "idle", "missing"};
  auto deleted = f.call<msg::delete_groups_response>(c, del, 2);
  BOOST_REQUIRE_EQUAL(deleted.results.size(), 3u);
  BOOST_CHECK_EQUAL(deleted.results[0].error_code, 68); // NON_EMPTY_GROUP
  BOOST_CHECK_EQUAL(deleted.results[1].error_code, 0);
  BOOST_CHECK_EQUAL(deleted.results[2].error_code, 69); // GROUP_ID_NOT_FOUND
  auto gone = f.meta->list_offsets("idle");
  BOOST_REQUIRE(gone);
  BOOST_CHECK(gone->empty());
  // LeaveGroup v3 (batched members) empties the active group.
  msg::leave_group_request leave;
  leave.group_id = "active";
  auto& who = leave.members.emplace_back();
  who.member_id = member;
  auto left = f.call<msg::leave_group_response>(c, leave, 5);
  BOOST_CHECK_EQUAL(left.error_code, 0);
  BOOST_CHECK_EQUAL(left.members.at(0).error_code, 0);
  auto after = f.call<msg::list_groups_response>(c, stable, 4);
  BOOST_CHECK(after.groups.empty());
}

BOOST_AUTO_TEST_CASE(offsets_reload_from_lmdb_at_start) {
  node_fixture f{{}, fast_groups()};
  // Written by an earlier life of the node.
  BOOST_REQUIRE(f.meta->put_offset({"old", "t", 0}, {17, 2, "kept", 1000, -1}));
  actors::group_coordinator_args a;
  a.meta = f.meta.get();
  a.cache = f.cache;
  a.topic_manager = f.manager;
  auto second = actors::spawn_group_coordinator(*f.sys, a);
  f.ctx.group_coordinator = second;
  auto c = f.connect();
  msg::offset_fetch_request q;
  auto& g = q.groups.emplace_back();
  g.group_id = "old";
  g.topics = std::nullopt; // every committed offset
  auto got = f.call<msg::offset_fetch_response>(c, q, 8);
  BOOST_REQUIRE_EQUAL(got.groups.size(), 1u);
  auto& p = got.groups[0].topics.at(0).partitions.at(0);
  BOOST_CHECK_EQUAL(p.committed_offset, 17);
  BOOST_CHECK_EQUAL(p.committed_leader_epoch, 2);
  BOOST_CHECK_EQUAL(*p.metadata, "kept");
  msg::list_groups_request all;
  auto listed = f.call<msg::list_groups_response>(c, all, 3);
  BOOST_REQUIRE_EQUAL(listed.groups.size(), 1u);
  BOOST_CHECK_EQUAL(listed.groups[0].group_id, "old");
}

BOOST_AUTO_TEST_CASE(offset_record_layout_round_trips) {
  storage::group_offset_key k{"grp", "topic", 4};
  storage::committed_offset v{99, 1, "meta", 12345, -1};
  auto key = actors::encode_offset_key(k);
  auto value = actors::encode_offset_value(v);
  BOOST_CHECK((*actors::decode_offset_key(key) == k));
  auto back = actors::decode_offset_value(value);
  BOOST_REQUIRE(back);
  BOOST_CHECK_EQUAL(back->offset, 99);
  BOOST_CHECK_EQUAL(back->metadata, "meta");
  BOOST_CHECK_EQUAL(back->commit_time_ms, 12345);
  value.pop_back();
  BOOST_CHECK(!actors::decode_offset_value(value));
  BOOST_CHECK_EQUAL(actors::offsets_partition_for("", 50), 0);
  // Java: "my-group".hashCode() == -1906497762; & 0x7fffffff = 240985886; % 50 == 36.
  BOOST_CHECK_EQUAL(actors::java_string_hash("my-group"), -1906497762);
  BOOST_CHECK_EQUAL(actors::offsets_partition_for("my-group", 50), 36);
}
