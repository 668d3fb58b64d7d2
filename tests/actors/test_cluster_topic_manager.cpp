// Cluster topic managers of three nodes over their controllers: admin
// requests through the controller, replicated partition actors spawned where
// the image places replicas, and the metadata snapshot sessions read.
#define BOOST_TEST_MODULE cluster_topic_manager
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/cluster_topic_manager.h"
#include "managed_cluster.h"

using namespace caudal;
using namespace caudal::actors;
namespace msg = caudal::protocol::msg;

namespace {

struct managers : testing::managed_cluster {
  managers() : managed_cluster(3, testing::manager_options{77, 2, {}}) {}

  const topic_entry* topic(int32_t id, const std::string& name) {
    return caches[id]->get()->find(name);
  }

  /// Every node's snapshot has `name` with `partitions` partitions; local
  /// actors exactly on the replicas; each partition has a leader (elected
  /// by its own group, reported to the controller) that all nodes agree on.
  bool settled(const std::string& name, size_t partitions) {
    for (auto id : ids) {
      auto* t = topic(id, name);
      if (!t || t->partitions.size() != partitions || t->views.size() != partitions) return false;
      for (size_t p = 0; p < partitions; ++p) {
        auto& v = t->views[p];
        bool replica = std::find(v.replicas.begin(), v.replicas.end(), id) != v.replicas.end();
        if (v.replicas.size() != 3 || replica != static_cast<bool>(t->partitions[p])) return false;
        if (v.leader == -1 || v.isr.empty()) return false;
        if (v.leader != topic(ids[0], name)->views[p].leader) return false;
      }
    }
    return true;
  }
};

msg::create_topics_request create_request(const std::string& name, int32_t partitions) {
  msg::create_topics_request req;
  msg::create_topics_request::creatable_topic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = -1; // default.replication.factor = 3
  req.topics.push_back(t);
  return req;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(snapshot_lists_brokers_and_controller, managers) {
  auto leader = await_stable_cluster();
  BOOST_REQUIRE(run_until([&] {
    for (auto id : ids)
      if (caches[id]->get()->brokers.size() != 3 || caches[id]->get()->controller_id != leader)
        return false;
    return true;
  }));
  auto snap = caches[2]->get();
  for (auto& b : snap->brokers) {
    BOOST_TEST(b.port == 9090 + b.id);
    BOOST_TEST(b.host == "127.0.0.1");
  }
}

BOOST_FIXTURE_TEST_CASE(created_topics_get_replicated_partitions_everywhere, managers) {
  auto leader = await_stable_cluster();
  auto from = leader == 1 ? 2 : 1;
  auto resp = ask<msg::create_topics_response>(from, create_atom::value,
                                               create_request("orders", 3), int16_t{7});
  BOOST_REQUIRE_EQUAL(resp.topics.size(), 1u);
  BOOST_TEST(resp.topics[0].error_code == 0);
  BOOST_TEST(resp.topics[0].num_partitions == 3);
  BOOST_TEST(resp.topics[0].replication_factor == 3);
  BOOST_TEST((resp.topics[0].topic_id != protocol::uuid{}));
  BOOST_TEST(topic(from, "orders") != nullptr); // the answer waited for the local image
  BOOST_TEST(run_until([&] { return settled("orders", 3); }));
  auto dup = ask<msg::create_topics_response>(leader, create_atom::value,
                                              create_request("orders", 1), int16_t{7});
  BOOST_TEST(dup.topics.at(0).error_code == 36);
}

BOOST_FIXTURE_TEST_CASE(grow_alter_describe_and_delete, managers) {
  await_stable_cluster();
  BOOST_REQUIRE(
      ask<msg::create_topics_response>(1, create_atom::value, create_request("t", 1), int16_t{7})
          .topics.at(0)
          .error_code == 0);
  msg::create_partitions_request grow;
  grow.topics.push_back({"t", 2, std::nullopt, {}});
  BOOST_TEST(
      ask<msg::create_partitions_response>(2, grow_atom::value, grow).results.at(0).error_code ==
      0);
  BOOST_TEST(run_until([&] { return settled("t", 2); }));

  msg::incremental_alter_configs_request inc;
  inc.resources.push_back({2, "t", {{"retention.ms", 0, "60000", {}}}, {}});
  auto ir = ask<msg::incremental_alter_configs_response>(3, alter_atom::value, inc);
  BOOST_TEST(ir.responses.at(0).error_code == 0);
  msg::describe_configs_request dreq;
  dreq.resources.push_back({2, "t", std::vector<std::string>{"retention.ms"}, {}});
  dreq.resources.push_back({4, "3", std::nullopt, {}});
  auto d = ask<msg::describe_configs_response>(3, describe_atom::value, dreq, int16_t{4});
  BOOST_REQUIRE_EQUAL(d.results.at(0).configs.size(), 1u);
  BOOST_TEST(*d.results[0].configs[0].value == "60000");
  BOOST_TEST(!d.results[0].configs[0].is_default);
  BOOST_TEST(*d.results.at(1).configs.at(0).value == "3");
  BOOST_TEST(
      run_until([&] { return topic(1, "t") && topic(1, "t")->configs.count("retention.ms"); }));

  msg::alter_configs_request bad;
  bad.resources.push_back({2, "t", {{"no.such.config", "1", {}}}, {}});
  BOOST_TEST(
      ask<msg::alter_configs_response>(1, alter_atom::value, bad).responses.at(0).error_code == 40);

  msg::delete_topics_request del;
  del.topic_names = {"t", "missing"};
  auto dr = ask<msg::delete_topics_response>(2, delete_atom::value, del, int16_t{4});
  BOOST_TEST(dr.responses.at(0).error_code == 0);
  BOOST_TEST(dr.responses.at(1).error_code == 3);
  BOOST_TEST(run_until([&] {
    for (auto id : ids)
      if (topic(id, "t")) return false;
    return true;
  }));
  // The replicas' directories were moved aside for deletion.
  size_t moved = 0;
  for (auto id : ids)
    for (auto& e : std::filesystem::directory_iterator(dir + "/node-" + std::to_string(id)))
      moved += e.path().filename().string().ends_with("-delete");
  BOOST_TEST(moved == 6u); // 2 partitions x 3 replicas
}

BOOST_FIXTURE_TEST_CASE(ensure_auto_creates_with_broker_defaults, managers) {
  await_stable_cluster();
  BOOST_TEST(ask<bool>(3, ensure_atom::value, std::vector<std::string>{"auto"}));
  BOOST_TEST(topic(3, "auto") != nullptr);
  BOOST_TEST(run_until([&] { return settled("auto", 2); }));
}

BOOST_FIXTURE_TEST_CASE(a_restarted_manager_reopens_its_replicas, managers) {
  await_stable_cluster();
  BOOST_REQUIRE(
      ask<msg::create_topics_response>(1, create_atom::value, create_request("keep", 2), int16_t{7})
          .topics.at(0)
          .error_code == 0);
  BOOST_REQUIRE(run_until([&] { return settled("keep", 2); }));
  // The partitions are linked to their manager: they stop with it.
  caf::anon_send_exit(tms[2], caf::exit_reason::kill);
  sched.run();
  caches[2]->publish(std::make_shared<metadata_snapshot>());
  cluster_topic_manager_args a;
  a.node_id = 2;
  a.log_dir = dir + "/node-2";
  a.fs = &fs;
  a.meta = metas[2].get();
  a.cache = caches[2];
  a.controller = controllers[2];
  a.transport = net.transport_for(2);
  a.router = routers[2];
  a.seed = 99;
  a.election_timeout_ms = 1000;
  a.fetch_wait_ms = 200;
  tms[2] = spawn_cluster_topic_manager(sys, a);
  BOOST_TEST(run_until([&] { return settled("keep", 2); }));
  // Still no directory moved aside: the data was reopened, not recreated.
  for (auto& e : std::filesystem::directory_iterator(dir + "/node-2"))
    BOOST_TEST(!e.path().filename().string().ends_with("-delete"));
}
