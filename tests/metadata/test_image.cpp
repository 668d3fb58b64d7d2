#define BOOST_TEST_MODULE metadata_image
#include <boost/test/unit_test.hpp>

#include "fixtures.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;
namespace metadata = caudal::metadata;

namespace {

/// Two live nodes, one topic "t" with two partitions.
image two_node_image() {
  image img;
  add_live_node(img, 1, "a");
  add_live_node(img, 2, "b");
  metadata::apply(img, topic_record{"t", test_uuid(1), false});
  metadata::apply(img, partition_record{test_uuid(1), 0, {1, 2}, 1, 3, {1, 2}, {}, {}});
  metadata::apply(img, partition_record{test_uuid(1), 1, {2, 1}, 2, 4, {2}, {}, {}});
  return img;
}

std::vector<int32_t> partitions_of(const std::vector<partition_ref>& refs) {
  std::vector<int32_t> out;
  for (const auto& r : refs) out.push_back(r.partition);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(nodes_register_fenced_and_unfence) {
  image img;
  metadata::apply(img, node_reg(1, "r1"));
  BOOST_TEST(img.node(1)->fenced);
  BOOST_TEST(!img.is_live(1));
  metadata::apply(img, unfence_node{1});
  BOOST_TEST(img.is_live(1));
  metadata::apply(img, decommission_node{1});
  BOOST_TEST(!img.is_live(1));
  metadata::apply(img, node_reg(1, "r1", 2)); // restart: fenced again, still decommissioned
  BOOST_TEST(img.node(1)->fenced);
  BOOST_TEST(img.node(1)->decommissioned);
  BOOST_TEST(img.node(1)->registration.incarnation == 2u);
  metadata::apply(img, fence_node{9}); // unknown node: nothing happens
  BOOST_TEST(img.nodes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(topics_and_partitions) {
  auto img = two_node_image();
  BOOST_REQUIRE(img.topic("t"));
  BOOST_TEST(img.topic(test_uuid(1))->name == "t");
  BOOST_TEST(img.topic("t")->partitions.size() == 2u);
  // A second topic with the same name or id is ignored: indexes stay consistent.
  metadata::apply(img, topic_record{"t", test_uuid(2), false});
  metadata::apply(img, topic_record{"u", test_uuid(1), false});
  BOOST_TEST(img.topics.size() == 1u);
  BOOST_TEST(img.topic_ids.size() == 1u);
  // Partitions of unknown topics are ignored.
  metadata::apply(img, partition_record{test_uuid(7), 0, {1}, 1, 0, {1}, {}, {}});
  BOOST_TEST(img.topics.size() == 1u);
}

BOOST_AUTO_TEST_CASE(partition_change_touches_only_given_fields) {
  auto img = two_node_image();
  auto before = *img.partition(test_uuid(1), 0);
  metadata::apply(img, partition_change{test_uuid(1), 0, std::nullopt, 5, std::vector<node_id>{1},
                                        std::nullopt, std::nullopt, std::nullopt});
  auto after = *img.partition(test_uuid(1), 0);
  BOOST_TEST(after.leader == before.leader);
  BOOST_TEST(after.leader_epoch == 5);
  BOOST_TEST(after.isr == std::vector<node_id>{1});
  BOOST_TEST(after.replicas == before.replicas);
  metadata::apply(img, partition_change{test_uuid(1), 0, no_leader, 6, std::nullopt,
                                        std::vector<node_id>{1, 2, 3}, std::vector<node_id>{3},
                                        std::vector<node_id>{2}});
  after = *img.partition(test_uuid(1), 0);
  BOOST_TEST(after.leader == no_leader);
  BOOST_TEST(after.adding == std::vector<node_id>{3});
  BOOST_TEST(after.target_replicas() == (std::vector<node_id>{1, 3}));
  BOOST_TEST(after.reassigning());
}

BOOST_AUTO_TEST_CASE(configs_set_and_delete) {
  auto img = two_node_image();
  metadata::apply(img, config_record{topic_resource, "t", "retention.ms", std::string("10")});
  metadata::apply(img, config_record{broker_resource, "", "x", std::string("1")});
  BOOST_TEST(img.topic_configs.at("t").at("retention.ms") == "10");
  BOOST_TEST(img.broker_configs.at("").at("x") == "1");
  auto copy = two_node_image();
  BOOST_TEST(!(img == copy));
  metadata::apply(img, config_record{topic_resource, "t", "retention.ms", std::nullopt});
  metadata::apply(img, config_record{broker_resource, "", "x", std::nullopt});
  metadata::apply(img, config_record{99, "", "x", std::string("ignored")});
  BOOST_TEST((img == copy)); // deleting the last key leaves no empty map behind
}

BOOST_AUTO_TEST_CASE(remove_topic_drops_partitions_and_configs) {
  auto img = two_node_image();
  metadata::apply(img, config_record{topic_resource, "t", "k", std::string("v")});
  metadata::apply(img, remove_topic{test_uuid(1)});
  BOOST_TEST(img.topics.empty());
  BOOST_TEST(img.topic_ids.empty());
  BOOST_TEST(img.topic_configs.empty());
  // The name can be reused with a new id.
  metadata::apply(img, topic_record{"t", test_uuid(3), false});
  BOOST_TEST(img.topic("t")->id == test_uuid(3));
}

BOOST_AUTO_TEST_CASE(queries) {
  auto img = two_node_image();
  BOOST_TEST(partitions_of(img.partitions_led_by(1)) == std::vector<int32_t>{0});
  BOOST_TEST(partitions_of(img.partitions_led_by(2)) == std::vector<int32_t>{1});
  BOOST_TEST(partitions_of(img.under_replicated()) == std::vector<int32_t>{1});
  BOOST_TEST(img.offline().empty());
  BOOST_TEST(partitions_of(img.replicas_on(2)) == (std::vector<int32_t>{0, 1}));
  metadata::apply(img, fence_node{2});
  BOOST_TEST(partitions_of(img.offline()) == std::vector<int32_t>{1});
  metadata::apply(img, partition_change{test_uuid(1), 0, no_leader, 3, {}, {}, {}, {}});
  BOOST_TEST(partitions_of(img.offline()) == (std::vector<int32_t>{0, 1}));
  BOOST_TEST(img.replicas_on(3).empty());
}

BOOST_AUTO_TEST_CASE(replay_is_deterministic) {
  // The same records through encode/decode give an equal image.
  std::vector<record> log{node_reg(1, "a"), unfence_node{1}, topic_record{"t", test_uuid(4), true},
                          partition_record{test_uuid(4), 0, {1}, 1, 0, {1}, {}, {}},
                          config_record{topic_resource, "t", "k", std::string("v")}};
  image direct;
  metadata::apply(direct, log);
  auto decoded = decode_batch(encode_batch(log, 0));
  BOOST_REQUIRE(decoded.ok());
  image replayed;
  metadata::apply(replayed, decoded.value);
  BOOST_TEST((direct == replayed));
  BOOST_TEST(replayed.topic("t")->internal);
}
