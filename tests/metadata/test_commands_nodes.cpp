#define BOOST_TEST_MODULE metadata_commands_nodes
#include <boost/test/unit_test.hpp>

#include "fixtures.h"
#include "metadata/errors.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;
namespace metadata = caudal::metadata;

namespace {

/// Nodes 1-3 live; topic "t" partition 0 on {1,2,3} led by 1 at epoch 1.
image led_cluster(uuid& id) {
  image img;
  for (node_id n = 1; n <= 3; ++n) add_live_node(img, n);
  id = test_uuid(5);
  metadata::apply(img, topic_record{"t", id, false});
  metadata::apply(img, partition_record{id, 0, {1, 2, 3}, 1, 1, {1, 2, 3}, {}, {}});
  return img;
}

int16_t only_error(const command_result& r) {
  BOOST_REQUIRE(r.items.size() == 1u);
  return r.items[0].error;
}

} // namespace

BOOST_AUTO_TEST_CASE(register_and_reregister) {
  image img;
  auto res = register_node_cmd(img, node_reg(1, "a", 10));
  BOOST_TEST(only_error(res) == 0);
  BOOST_REQUIRE(res.records.size() == 1u);
  metadata::apply(img, res.records);
  BOOST_TEST(img.node(1)->fenced);
  // The same registration again (a retry) changes nothing.
  res = register_node_cmd(img, node_reg(1, "a", 10));
  BOOST_TEST(only_error(res) == 0);
  BOOST_TEST(res.records.empty());
  // Same incarnation, different endpoint: another process claims the id.
  auto other = node_reg(1, "a", 10);
  other.host = "elsewhere";
  BOOST_TEST(only_error(register_node_cmd(img, other)) == errc::duplicate_broker_registration);
  BOOST_TEST(only_error(register_node_cmd(img, node_reg(-1))) == errc::invalid_request);
  // A new incarnation is accepted.
  res = register_node_cmd(img, node_reg(1, "b", 11));
  BOOST_TEST(only_error(res) == 0);
  metadata::apply(img, res.records);
  BOOST_TEST(*img.node(1)->registration.rack == "b");
}

BOOST_AUTO_TEST_CASE(new_incarnation_of_a_leader_drops_it) {
  uuid id;
  auto img = led_cluster(id);
  auto res = register_node_cmd(img, node_reg(1, std::nullopt, 2));
  BOOST_TEST(only_error(res) == 0);
  metadata::apply(img, res.records);
  const auto& st = *img.partition(id, 0);
  BOOST_TEST(st.leader == no_leader);
  BOOST_TEST(st.isr == (std::vector<node_id>{2, 3}));
  BOOST_TEST(st.leader_epoch == 1); // epochs belong to the partition's Raft group
}

BOOST_AUTO_TEST_CASE(fence_and_unfence) {
  uuid id;
  auto img = led_cluster(id);
  BOOST_TEST(only_error(fence_node_cmd(img, 9)) == errc::broker_id_not_registered);
  for (node_id n : {1, 2, 3}) metadata::apply(img, fence_node_cmd(img, n).records);
  const auto& st = *img.partition(id, 0);
  BOOST_TEST(st.leader == no_leader);
  BOOST_TEST(st.isr == std::vector<node_id>{3}); // the last member stays: it has the data
  BOOST_TEST(img.offline().size() == 1u);
  BOOST_TEST(fence_node_cmd(img, 1).records.empty()); // already fenced
  BOOST_TEST(only_error(unfence_node_cmd(img, 1, 99)) == errc::stale_broker_epoch);
  BOOST_TEST(only_error(unfence_node_cmd(img, 9, 1)) == errc::broker_id_not_registered);
  auto res = unfence_node_cmd(img, 1, 1);
  BOOST_TEST(only_error(res) == 0);
  metadata::apply(img, res.records);
  BOOST_TEST(img.is_live(1));
  BOOST_TEST(unfence_node_cmd(img, 1, 1).records.empty());
}

BOOST_AUTO_TEST_CASE(decommission_moves_every_replica_away) {
  image img;
  for (node_id n = 1; n <= 4; ++n) add_live_node(img, n);
  rng gen(3);
  create_topic(img, "d", 8, 3, gen);
  BOOST_TEST(only_error(decommission_node_cmd(img, 9)) == errc::broker_id_not_registered);
  auto res = decommission_node_cmd(img, 2);
  BOOST_TEST(only_error(res) == 0);
  metadata::apply(img, res.records);
  BOOST_TEST(img.node(2)->decommissioned);
  BOOST_TEST(!img.is_live(2));
  for (const auto& [tid, t] : img.topics)
    for (const auto& [p, st] : t.partitions) {
      auto target = st.target_replicas();
      BOOST_TEST(target.size() == 3u);
      BOOST_TEST((std::find(target.begin(), target.end(), 2) == target.end()));
    }
  // Three nodes left for RF 3: draining another one is impossible.
  BOOST_TEST(only_error(decommission_node_cmd(img, 1)) == errc::invalid_replication_factor);
  // New topics avoid the decommissioned node.
  auto id = create_topic(img, "e", 6, 3, gen);
  for (const auto& [p, st] : img.topic(id)->partitions)
    BOOST_TEST((std::find(st.replicas.begin(), st.replicas.end(), 2) == st.replicas.end()));
}

BOOST_AUTO_TEST_CASE(decommission_prefers_live_receivers) {
  image img;
  for (node_id n = 1; n <= 5; ++n) add_live_node(img, n);
  rng gen(4);
  create_topic(img, "f", 10, 2, gen);
  metadata::apply(img, fence_node_cmd(img, 5).records); // down, but not leaving
  auto res = decommission_node_cmd(img, 1);
  BOOST_TEST(only_error(res) == 0);
  metadata::apply(img, res.records);
  for (const auto& [tid, t] : img.topics)
    for (const auto& [p, st] : t.partitions)
      BOOST_TEST((std::find(st.adding.begin(), st.adding.end(), 5) == st.adding.end()));
}
