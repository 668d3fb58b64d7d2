#define BOOST_TEST_MODULE metadata_commands_topics
#include <boost/test/unit_test.hpp>

#include "fixtures.h"
#include "metadata/errors.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;
namespace metadata = caudal::metadata;

namespace {

image three_nodes() {
  image img;
  for (node_id n = 1; n <= 3; ++n) add_live_node(img, n);
  return img;
}

new_topic topic(std::string name, int32_t partitions = 1, int16_t rf = 1) {
  return new_topic{std::move(name), partitions, rf, {}, {}, false};
}

/// The error code of the single item a request of one topic produces.
int16_t create_error(const image& img, new_topic t, const config_validator& v = nullptr) {
  rng gen(1);
  create_topics_request req;
  req.topics.push_back(std::move(t));
  auto res = create_topics(img, req, v, gen);
  BOOST_REQUIRE(res.items.size() == 1u);
  if (res.items[0].error != 0) BOOST_TEST(res.records.empty());
  return res.items[0].error;
}

std::optional<std::string> reject_bad(int8_t, const std::string&, const std::string& key,
                                      const std::optional<std::string>&) {
  if (key == "bad") return std::string("Invalid value for bad");
  return std::nullopt;
}

} // namespace

BOOST_AUTO_TEST_CASE(create_topic_records_and_image) {
  auto img = three_nodes();
  rng gen(11);
  create_topics_request req;
  auto t = topic("orders", 6, 3);
  t.configs["retention.ms"] = "1000";
  req.topics.push_back(t);
  auto res = create_topics(img, req, reject_bad, gen);
  BOOST_REQUIRE(res.items.size() == 1u);
  BOOST_TEST(res.items[0].error == 0);
  BOOST_TEST(res.items[0].name == "orders");
  BOOST_TEST((res.items[0].topic_id != uuid{}));
  BOOST_TEST(res.records.size() == 1u + 6u + 1u); // topic, partitions, config
  metadata::apply(img, res.records);
  const auto* ts = img.topic("orders");
  BOOST_REQUIRE(ts);
  BOOST_TEST((ts->id == res.items[0].topic_id));
  BOOST_TEST(ts->partitions.size() == 6u);
  for (const auto& [p, st] : ts->partitions) {
    BOOST_TEST(st.replicas.size() == 3u);
    BOOST_TEST(st.isr.size() == 3u);    // empty logs: everyone in sync
    BOOST_TEST(st.leader == no_leader); // Raft elects, the leader reports
    BOOST_TEST(st.leader_epoch == 0);
  }
  BOOST_TEST(img.topic_configs.at("orders").at("retention.ms") == "1000");
}

BOOST_AUTO_TEST_CASE(create_topic_is_deterministic_per_seed) {
  auto img = three_nodes();
  create_topics_request req;
  req.topics = {topic("a", 5, 2), topic("b", 3, 3)};
  rng g1(99), g2(99);
  auto r1 = create_topics(img, req, nullptr, g1);
  auto r2 = create_topics(img, req, nullptr, g2);
  BOOST_TEST((r1.records == r2.records));
  BOOST_TEST((r1.items == r2.items));
  BOOST_TEST((r1.items[0].topic_id != r1.items[1].topic_id));
}

BOOST_AUTO_TEST_CASE(create_topic_errors) {
  auto img = three_nodes();
  rng gen(2);
  create_topic(img, "taken", 1, 1, gen);
  create_topic(img, "a_b", 1, 1, gen);
  BOOST_TEST(create_error(img, topic("taken")) == errc::topic_already_exists);
  BOOST_TEST(create_error(img, topic("")) == errc::invalid_topic_exception);
  BOOST_TEST(create_error(img, topic(".")) == errc::invalid_topic_exception);
  BOOST_TEST(create_error(img, topic("..")) == errc::invalid_topic_exception);
  BOOST_TEST(create_error(img, topic("has space")) == errc::invalid_topic_exception);
  BOOST_TEST(create_error(img, topic(std::string(250, 'x'))) == errc::invalid_topic_exception);
  BOOST_TEST(create_error(img, topic(std::string(249, 'x'))) == 0);
  BOOST_TEST(create_error(img, topic("a.b")) == errc::invalid_topic_exception); // collides
  BOOST_TEST(create_error(img, topic("p0", 0)) == errc::invalid_partitions);
  BOOST_TEST(create_error(img, topic("p0", -2)) == errc::invalid_partitions);
  BOOST_TEST(create_error(img, topic("r0", 1, 0)) == errc::invalid_replication_factor);
  BOOST_TEST(create_error(img, topic("r4", 1, 4)) == errc::invalid_replication_factor);
  auto with_bad = topic("cfg");
  with_bad.configs["bad"] = "1";
  BOOST_TEST(create_error(img, with_bad, reject_bad) == errc::invalid_config);
  auto both = topic("both", 2, 1);
  both.assignments = {{1}, {2}};
  BOOST_TEST(create_error(img, both) == errc::invalid_request);
}

BOOST_AUTO_TEST_CASE(create_topic_explicit_assignments) {
  auto img = three_nodes();
  auto t = topic("x", -1, -1);
  t.assignments = {{3, 1}, {2, 3}};
  rng gen(4);
  create_topics_request req{{t}, false, 1, 1};
  auto res = create_topics(img, req, nullptr, gen);
  BOOST_REQUIRE(res.items[0].error == 0);
  metadata::apply(img, res.records);
  BOOST_TEST(img.topic("x")->partitions.at(0).replicas == (std::vector<node_id>{3, 1}));
  BOOST_TEST(img.topic("x")->partitions.at(1).replicas == (std::vector<node_id>{2, 3}));
  t.name = "y";
  t.assignments = {{1, 9}};
  BOOST_TEST(create_error(img, t) == errc::invalid_replica_assignment); // node 9 unknown
  t.assignments = {{1, 2}, {3}};
  BOOST_TEST(create_error(img, t) == errc::invalid_replica_assignment); // unequal RF
  t.assignments = {{1, 1}};
  BOOST_TEST(create_error(img, t) == errc::invalid_replica_assignment); // duplicate
  metadata::apply(img, fence_node{1});
  t.assignments = {{1}};
  BOOST_TEST(create_error(img, t) == errc::invalid_replica_assignment); // all fenced
}

BOOST_AUTO_TEST_CASE(create_topics_duplicates_defaults_validate_only) {
  auto img = three_nodes();
  rng gen(5);
  create_topics_request req;
  req.topics = {topic("d"), topic("e", -1, -1), topic("d")};
  req.default_partitions = 4;
  req.default_replication_factor = 2;
  auto res = create_topics(img, req, nullptr, gen);
  BOOST_TEST(res.items[0].error == errc::invalid_request);
  BOOST_TEST(res.items[1].error == 0);
  BOOST_TEST(res.items[2].error == errc::invalid_request);
  metadata::apply(img, res.records);
  BOOST_TEST(!img.topic("d"));
  BOOST_TEST(img.topic("e")->partitions.size() == 4u);
  BOOST_TEST(img.topic("e")->partitions.at(0).replicas.size() == 2u);
  req.topics = {topic("v", 2, 2)};
  req.validate_only = true;
  res = create_topics(img, req, nullptr, gen);
  BOOST_TEST(res.items[0].error == 0);
  BOOST_TEST(res.records.empty());
}

BOOST_AUTO_TEST_CASE(delete_topics_by_name_and_id) {
  auto img = three_nodes();
  rng gen(6);
  auto a = create_topic(img, "a", 2, 1, gen);
  auto b = create_topic(img, "b", 1, 1, gen);
  auto res = delete_topics(img, {{"a", "nope"}, {b, a, test_uuid(77)}});
  BOOST_REQUIRE(res.items.size() == 5u);
  BOOST_TEST(res.items[0].error == 0);
  BOOST_TEST((res.items[0].topic_id == a));
  BOOST_TEST(res.items[1].error == errc::unknown_topic_or_partition);
  BOOST_TEST(res.items[2].error == 0);
  BOOST_TEST(res.items[2].name == "b");
  BOOST_TEST(res.items[3].error == errc::invalid_request); // "a" again, by id
  BOOST_TEST(res.items[4].error == errc::unknown_topic_id);
  BOOST_TEST(res.records.size() == 2u);
  metadata::apply(img, res.records);
  BOOST_TEST(img.topics.empty());
}

BOOST_AUTO_TEST_CASE(create_partitions_only_grows) {
  auto img = three_nodes();
  rng gen(7);
  auto id = create_topic(img, "g", 3, 2, gen);
  auto res = create_partitions(img, {{"g", 5, {}}}, false, gen);
  BOOST_REQUIRE(res.items[0].error == 0);
  BOOST_TEST(res.records.size() == 2u);
  metadata::apply(img, res.records);
  BOOST_TEST(img.topic(id)->partitions.size() == 5u);
  BOOST_TEST(img.partition(id, 4)->replicas.size() == 2u);
  auto err = [&](partition_growth g) {
    return create_partitions(img, {g}, false, gen).items[0].error;
  };
  BOOST_TEST(err({"g", 4, {}}) == errc::invalid_partitions);
  BOOST_TEST(err({"g", 5, {}}) == errc::invalid_partitions);
  BOOST_TEST(err({"none", 9, {}}) == errc::unknown_topic_or_partition);
  BOOST_TEST(err({"g", 7, {{1, 2}}}) == errc::invalid_replica_assignment); // 2 new, 1 list
  BOOST_TEST(err({"g", 6, {{1}}}) == errc::invalid_replica_assignment);    // RF 1 != 2
  BOOST_TEST(err({"g", 6, {{1, 3}}}) == 0);
  auto dup = create_partitions(img, {{"g", 6, {}}, {"g", 7, {}}}, false, gen);
  BOOST_TEST(dup.items[0].error == errc::invalid_request);
  BOOST_TEST(dup.records.empty());
  BOOST_TEST(create_partitions(img, {{"g", 6, {}}}, true, gen).records.empty()); // validate only
  metadata::apply(img, fence_node{1});
  metadata::apply(img, fence_node{2});
  BOOST_TEST(err({"g", 6, {}}) == errc::invalid_replication_factor); // 1 live node, RF 2
}

BOOST_AUTO_TEST_CASE(alter_configs_incremental) {
  auto img = three_nodes();
  rng gen(8);
  create_topic(img, "c", 1, 1, gen);
  auto set = [](int8_t type, std::string name, std::string key, std::optional<std::string> v) {
    return config_resource{type, std::move(name), {{std::move(key), std::move(v)}}};
  };
  auto res = alter_configs(img,
                           {set(topic_resource, "c", "retention.ms", "5"),
                            set(broker_resource, "", "log.retention.hours", "1"),
                            set(broker_resource, "2", "x", "y")},
                           reject_bad);
  for (const auto& i : res.items) BOOST_TEST(i.error == 0);
  BOOST_TEST(res.records.size() == 3u);
  metadata::apply(img, res.records);
  BOOST_TEST(img.broker_configs.at("2").at("x") == "y");
  // Setting the same value again, or deleting a missing key, writes nothing.
  res = alter_configs(img,
                      {set(topic_resource, "c", "retention.ms", "5"),
                       set(topic_resource, "c", "absent", std::nullopt)},
                      reject_bad);
  BOOST_TEST(res.records.empty());
  res = alter_configs(img, {set(topic_resource, "c", "retention.ms", std::nullopt)}, reject_bad);
  metadata::apply(img, res.records);
  BOOST_TEST(img.topic_configs.count("c") == 0u);
  auto err = [&](config_resource r) { return alter_configs(img, {r}, reject_bad).items[0].error; };
  BOOST_TEST(err(set(topic_resource, "missing", "k", "v")) == errc::unknown_topic_or_partition);
  BOOST_TEST(err(set(broker_resource, "abc", "k", "v")) == errc::invalid_request);
  BOOST_TEST(err(set(3, "c", "k", "v")) == errc::invalid_request);
  BOOST_TEST(err(set(topic_resource, "c", "bad", "v")) == errc::invalid_config);
  BOOST_TEST(err(config_resource{topic_resource, "c", {{"k", "1"}, {"k", "2"}}}) ==
             errc::invalid_request);
  BOOST_TEST(
      alter_configs(img, {set(topic_resource, "c", "k", "v")}, reject_bad, true).records.empty());
}
