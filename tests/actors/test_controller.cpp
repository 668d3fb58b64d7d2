// Three controller actors in one actor system over the simulated network:
// election, registration, commands from followers, failover, restart.
#define BOOST_TEST_MODULE controller
#include <boost/test/unit_test.hpp>

#include <set>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "cluster/peer_types.h"
#include "cluster_fixture.h"
#include "metadata/errors.h"

using namespace caudal;
using namespace caudal::actors;
using caudal::testing::cluster_fixture;

namespace {

controller_command create(std::string name, int32_t partitions, int16_t rf,
                          std::map<std::string, std::string> configs = {}) {
  return create_topics_cmd{{topic_spec{std::move(name), partitions, rf, std::move(configs)}},
                           false};
}

/// Every live node's image has the topic with `partitions` partitions of
/// `rf` distinct, registered replicas.
bool everyone_sees(cluster_fixture& f, const std::string& topic, size_t partitions, size_t rf) {
  for (auto& [id, c] : f.controllers) {
    auto& img = f.seen[id]->image;
    auto* t = img ? img->topic(topic) : nullptr;
    if (!t || t->partitions.size() != partitions) return false;
    for (auto& [p, st] : t->partitions) {
      std::set<int32_t> distinct(st.replicas.begin(), st.replicas.end());
      if (st.replicas.size() != rf || distinct.size() != rf) return false;
      for (auto r : st.replicas)
        if (!img->node(r)) return false;
    }
  }
  return true;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(elects_a_leader_and_registers_every_node, cluster_fixture) {
  auto leader = await_stable_cluster();
  BOOST_TEST(leader >= 1);
  BOOST_TEST(leader <= 3);
  for (auto id : ids) {
    auto st = status(id);
    BOOST_TEST(st.leader == leader);
    BOOST_TEST(st.registered);
    auto* n = seen[id]->image->node(id);
    BOOST_REQUIRE(n);
    BOOST_TEST(n->registration.port == 9090 + id);
    BOOST_TEST(n->registration.peer_port == 19090 + id);
    BOOST_TEST(n->registration.rack.value_or("") == "rack-" + std::to_string(id % 2));
  }
  BOOST_TEST(status(leader).role == "leader");
}

BOOST_FIXTURE_TEST_CASE(create_topics_from_a_follower_commits_everywhere, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto from = follower_of(leader);
  auto started = now_ms();
  auto r = command(from, create("orders", 6, 3, {{"retention.ms", "3600000"}}));
  BOOST_REQUIRE_EQUAL(r.error, 0);
  // Links take 1 ms: forward, append + flush, a follower's fetch and its
  // ack, the answer back. No timer (50 ms tick) sits on the path.
  BOOST_TEST_MESSAGE("create_topics answered after " << now_ms() - started << " ms virtual");
  BOOST_TEST(now_ms() - started < 50);
  BOOST_REQUIRE_EQUAL(r.items.size(), 1u);
  BOOST_TEST(r.items[0].error == 0);
  // Answered after commit + apply at the leader; followers apply on their
  // next fetch.
  BOOST_TEST(run_until([&] { return everyone_sees(*this, "orders", 6, 3) && images_equal(); }));
  auto& img = *seen[from]->image;
  BOOST_TEST(img.topic_configs.at("orders").at("retention.ms") == "3600000");
  // Leaders are elected by the partitions' own groups and reported later.
  for (auto& [p, st] : img.topic("orders")->partitions) BOOST_TEST(st.leader == -1);
}

BOOST_FIXTURE_TEST_CASE(command_errors_come_back_per_item, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto from = follower_of(leader);
  BOOST_REQUIRE_EQUAL(command(from, create("a", 1, 3)).items.at(0).error, 0);
  create_topics_cmd two{{topic_spec{"a", 1, 1, {}}, topic_spec{"b", 2, 4, {}},
                         topic_spec{"c", 1, 1, {}}, topic_spec{"c", 1, 1, {}},
                         topic_spec{"bad/name", 1, 1, {}}, topic_spec{"d", 1, 1, {{"x.y", "1"}}}},
                        false};
  auto r = command(from, two);
  BOOST_REQUIRE_EQUAL(r.items.size(), 6u);
  BOOST_TEST(r.items[0].error == metadata::errc::topic_already_exists);
  BOOST_TEST(r.items[1].error == metadata::errc::invalid_replication_factor);
  // A name listed twice in one request: both refused, as Kafka does.
  BOOST_TEST(r.items[2].error == metadata::errc::invalid_request);
  BOOST_TEST(r.items[3].error == metadata::errc::invalid_request);
  BOOST_TEST(r.items[4].error == metadata::errc::invalid_topic_exception);
  BOOST_TEST(r.items[5].error == metadata::errc::invalid_config);
  auto v = command(leader, create_topics_cmd{{topic_spec{"e", 3, 2, {}}}, true});
  BOOST_TEST(v.items.at(0).error == 0);
  BOOST_TEST(run_until([&] { return everyone_sees(*this, "a", 1, 3) && images_equal(); }));
  BOOST_TEST(!seen[from]->image->topic("c"));
  BOOST_TEST(!seen[from]->image->topic("e")); // validate_only wrote nothing
}

BOOST_FIXTURE_TEST_CASE(delete_grow_and_alter, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto from = follower_of(leader);
  BOOST_REQUIRE_EQUAL(command(from, create("t", 2, 2)).items.at(0).error, 0);
  auto g = command(from, create_partitions_cmd{{partition_growth{"t", 5}}, false});
  BOOST_TEST(g.items.at(0).error == 0);
  auto shrink = command(from, create_partitions_cmd{{partition_growth{"t", 3}}, false});
  BOOST_TEST(shrink.items.at(0).error == metadata::errc::invalid_partitions);
  auto a =
      command(from, alter_configs_cmd{{topic_configs{"t", {{"cleanup.policy", "delete"}}}}, false});
  BOOST_TEST(a.items.at(0).error == 0);
  BOOST_TEST(run_until([&] { return everyone_sees(*this, "t", 5, 2) && images_equal(); }));
  BOOST_TEST(seen[from]->image->topic_configs.at("t").at("cleanup.policy") == "delete");
  auto d = command(from, delete_topics_cmd{{"t", "nope"}});
  BOOST_TEST(d.items.at(0).error == 0);
  BOOST_TEST(d.items.at(1).error == metadata::errc::unknown_topic_or_partition);
  BOOST_TEST(run_until([&] {
    return images_equal() && !seen[from]->image->topic("t") &&
           !seen[from]->image->topic_configs.count("t");
  }));
}

BOOST_FIXTURE_TEST_CASE(leader_reports_update_partitions_and_are_fenced, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto from = follower_of(leader);
  BOOST_REQUIRE_EQUAL(command(from, create("r", 1, 3)).items.at(0).error, 0);
  BOOST_REQUIRE(run_until([&] { return everyone_sees(*this, "r", 1, 3); }));
  auto replicas = seen[from]->image->topic("r")->partitions.at(0).replicas;
  auto lead = replicas[1];
  BOOST_TEST(report(lead, leader_report{"r", 0, lead, 2, {lead, replicas[0]}}) == 0);
  BOOST_TEST(run_until([&] {
    auto& p = seen[from]->image->topic("r")->partitions.at(0);
    return images_equal() && p.leader == lead && p.leader_epoch == 2 && p.isr.size() == 2;
  }));
  BOOST_TEST(report(lead, leader_report{"r", 0, replicas[0], 1, {replicas[0]}}) ==
             metadata::errc::fenced_leader_epoch);
  BOOST_TEST(report(lead, leader_report{"r", 7, lead, 3, {lead}}) ==
             metadata::errc::unknown_topic_or_partition);
}

BOOST_FIXTURE_TEST_CASE(a_new_leader_takes_over_when_the_leader_dies, cluster_fixture) {
  auto old = await_stable_cluster();
  BOOST_REQUIRE_EQUAL(command(follower_of(old), create("before", 3, 3)).items.at(0).error, 0);
  BOOST_REQUIRE(run_until([&] { return everyone_sees(*this, "before", 3, 3); }));
  kill_controller(old);
  BOOST_REQUIRE(run_until([&] { return agreed_leader() != -1; }));
  auto leader = agreed_leader();
  BOOST_TEST(leader != old);
  auto r = command(follower_of(leader), create("after", 2, 3));
  BOOST_REQUIRE_EQUAL(r.error, 0);
  BOOST_TEST(r.items.at(0).error == 0);
  BOOST_TEST(run_until([&] { return everyone_sees(*this, "after", 2, 3) && images_equal(); }));
  // The old leader comes back with the same log and vote, catches up and
  // registers its new incarnation.
  auto before = seen[leader]->image->node(old)->registration.incarnation;
  start_controller(old);
  BOOST_TEST(run_until([&] {
    auto& img = seen[old]->image;
    return img && img->topic("after") && images_equal() &&
           img->node(old)->registration.incarnation != before && img->is_live(old);
  }));
}

BOOST_FIXTURE_TEST_CASE(without_a_quorum_commands_fail_retriably, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto survivor = follower_of(leader);
  for (auto id : ids)
    if (id != survivor) kill_controller(id);
  auto r = command(survivor, create("lonely", 1, 1));
  BOOST_TEST((r.error == controller_errc::not_controller ||
              r.error == controller_errc::request_timed_out));
}

namespace {

/// Serializes a message as BASP would and reads it back.
caf::message round_trip(caf::actor_system& sys, const caf::message& m) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto m_copy = m;
  BOOST_REQUIRE(!sink(m_copy));
  caf::message out;
  caf::binary_deserializer source{sys, buf};
  BOOST_REQUIRE(!source(out));
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(forwarded_commands_and_answers_survive_serialization) {
  caudal::testing::wire_config cfg;
  caf::actor_system sys{cfg};
  create_topics_cmd cmd{{topic_spec{"x", 4, 3, {{"retention.ms", "1000"}, {"a", "b"}}}}, true};
  auto m = round_trip(sys, caf::make_message(controller_group, controller_forward{2, 99, 7}, cmd));
  BOOST_REQUIRE((m.match_elements<std::string, controller_forward, create_topics_cmd>()));
  auto& back = m.get_as<create_topics_cmd>(2);
  BOOST_TEST(m.get_as<controller_forward>(1).incarnation == 99u);
  BOOST_TEST(back.validate_only);
  BOOST_TEST(back.topics.at(0).configs.at("retention.ms") == "1000");
  BOOST_TEST(back.topics.at(0).replication_factor == 3);
  command_result res{0, "", {command_item{"x", 36, "exists"}}};
  auto a = round_trip(sys, caf::make_message(controller_group, controller_answer{7, res}));
  BOOST_REQUIRE((a.match_elements<std::string, controller_answer>()));
  BOOST_TEST(a.get_as<controller_answer>(1).result.items.at(0).error == 36);
  auto c = round_trip(sys, pack_consensus(consensus::vote_request{controller_group, 3, 1, 2, 10}));
  auto v = unpack_consensus(c);
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(std::get<consensus::vote_request>(*v).end_offset == 10);
  auto r = round_trip(sys, caf::make_message(leader_report{"t", 1, 2, 3, {2, 3}}));
  BOOST_TEST(r.get_as<leader_report>(0).isr.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(duplicated_and_delayed_messages_run_each_command_once, cluster_fixture) {
  net.set_default_link(sim::link_config{1, 40, 0.0, 0.8});
  auto leader = await_stable_cluster();
  auto from = follower_of(leader);
  for (int i = 0; i < 8; ++i) {
    auto r = command(from, create("dup-" + std::to_string(i), 2, 3));
    BOOST_TEST(r.error == 0);
    BOOST_TEST(r.items.at(0).error == 0); // a duplicate run would answer 36 first
  }
  BOOST_TEST(run_until([&] { return everyone_sees(*this, "dup-7", 2, 3) && images_equal(); }));
  BOOST_TEST(seen[from]->image->topics.size() == 8u);
  BOOST_TEST(net.stats().duplicated > 0u);
}

BOOST_FIXTURE_TEST_CASE(an_isolated_leader_steps_down_and_the_majority_goes_on, cluster_fixture) {
  auto old = await_stable_cluster();
  std::set<int32_t> rest;
  for (auto id : ids)
    if (id != old) rest.insert(id);
  net.partition({old}, rest);
  auto majority_leader = [&] {
    auto a = seen[*rest.begin()]->leader, b = seen[*rest.rbegin()]->leader;
    return a == b && a != -1 && a != old ? a : -1;
  };
  BOOST_REQUIRE(run_until([&] { return majority_leader() != -1; }));
  auto r = command(*rest.begin(), create("during", 1, 2));
  BOOST_TEST(r.items.at(0).error == 0);
  // Check-quorum: without fetches from a majority the old leader resigns.
  BOOST_TEST(run_until([&] { return status(old).role != "leader"; }));
  auto stale = command(old, create("stale", 1, 1));
  BOOST_TEST((stale.error == controller_errc::not_controller ||
              stale.error == controller_errc::request_timed_out));
  net.heal();
  BOOST_TEST(run_until([&] {
    return agreed_leader() != -1 && images_equal() && seen[old]->image->topic("during");
  }));
  BOOST_TEST(!seen[old]->image->topic("stale"));
}

BOOST_FIXTURE_TEST_CASE(a_restarted_cluster_replays_the_same_image, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto from = follower_of(leader);
  BOOST_REQUIRE_EQUAL(command(from, create("a", 3, 3, {{"retention.ms", "1000"}})).error, 0);
  BOOST_REQUIRE_EQUAL(command(from, create("b", 1, 2)).error, 0);
  BOOST_REQUIRE_EQUAL(command(from, delete_topics_cmd{{"b"}}).error, 0);
  BOOST_REQUIRE(run_until([&] { return everyone_sees(*this, "a", 3, 3) && images_equal(); }));
  auto before = *seen[from]->image;
  for (auto id : ids) kill_controller(id);
  for (auto id : ids) seen[id]->image.reset();
  for (auto id : ids) start_controller(id);
  await_stable_cluster();
  BOOST_TEST(run_until([&] { return images_equal() && seen[from]->image->topic("a"); }));
  auto& after = *seen[from]->image;
  BOOST_TEST((after.topics == before.topics));
  BOOST_TEST((after.topic_configs == before.topic_configs));
  BOOST_TEST(!after.topic("b"));
}

namespace {
struct four_nodes : cluster_fixture {
  four_nodes() : cluster_fixture(4) {} // voters 1-3; node 4 observes
};
} // namespace

BOOST_FIXTURE_TEST_CASE(an_observer_follows_and_its_commands_are_forwarded, four_nodes) {
  auto leader = await_stable_cluster();
  BOOST_TEST(leader != 4);
  BOOST_TEST(status(4).role == "follower");
  auto r = command(4, create("wide", 4, 4));
  BOOST_REQUIRE_EQUAL(r.error, 0);
  BOOST_TEST(r.items.at(0).error == 0);
  BOOST_TEST(run_until([&] { return everyone_sees(*this, "wide", 4, 4) && images_equal(); }));
}

BOOST_FIXTURE_TEST_CASE(a_silent_node_is_fenced_and_rejoins_when_it_returns, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto quiet = follower_of(leader);
  std::set<int32_t> rest;
  for (auto id : ids)
    if (id != quiet) rest.insert(id);
  net.partition({quiet}, rest);
  // Session timeout = 3 x election timeout (3 s here).
  BOOST_TEST(run_until([&] { return !seen[leader]->image->is_live(quiet); }, 10000));
  auto r = command(leader, create("two-live", 1, 3)); // 3 replicas, 2 live nodes
  BOOST_TEST(r.items.at(0).error == metadata::errc::invalid_replication_factor);
  net.heal();
  // The node sees itself fenced and registers again.
  BOOST_TEST(run_until([&] {
    return images_equal() && seen[leader]->image->is_live(quiet) && status(quiet).registered;
  }));
  BOOST_TEST(command(quiet, create("three-live", 1, 3)).items.at(0).error == 0);
}

BOOST_FIXTURE_TEST_CASE(a_dead_node_is_fenced_and_a_restart_unfences_it, cluster_fixture) {
  auto leader = await_stable_cluster();
  auto dead = follower_of(leader);
  kill_controller(dead);
  BOOST_TEST(run_until([&] { return !seen[leader]->image->is_live(dead); }, 10000));
  BOOST_TEST(seen[leader]->image->live_nodes().size() == 2u);
  start_controller(dead);
  BOOST_TEST(run_until([&] { return images_equal() && seen[leader]->image->is_live(dead); }));
}
