// The leader controller's planner (commands -> metadata records) on plain
// images, without actors: registration, reports, fencing, creation.
#define BOOST_TEST_MODULE controller_commands
#include <boost/test/unit_test.hpp>

#include "actors/controller_commands.h"
#include "metadata/errors.h"

using namespace caudal;
using namespace caudal::actors;
namespace errc = metadata::errc;

namespace {

register_node_cmd node(int32_t id, uint64_t incarnation = 1, std::string rack = "") {
  return register_node_cmd{id,
                           incarnation,
                           "h",
                           static_cast<uint16_t>(9000 + id),
                           "p",
                           static_cast<uint16_t>(19000 + id),
                           std::move(rack)};
}

metadata::image three_nodes(metadata::rng& gen) {
  metadata::image img;
  for (int32_t id = 1; id <= 3; ++id) plan_command(img, node(id), gen);
  return img;
}

} // namespace

BOOST_AUTO_TEST_CASE(registration_writes_once_per_incarnation) {
  metadata::rng gen{1};
  metadata::image img;
  auto first = plan_command(img, node(1, 5, "r1"), gen);
  BOOST_TEST(first.records.size() == 2u); // register + unfence
  BOOST_TEST(img.is_live(1));
  BOOST_TEST(img.node(1)->registration.rack.value_or("") == "r1");
  BOOST_TEST(plan_command(img, node(1, 5, "r1"), gen).records.empty());      // a retry
  BOOST_TEST(plan_command(img, node(1, 6, "r1"), gen).records.size() == 2u); // a restart
  BOOST_TEST(img.node(1)->registration.incarnation == 6u);
}

BOOST_AUTO_TEST_CASE(fencing_and_registering_again) {
  metadata::rng gen{2};
  auto img = three_nodes(gen);
  BOOST_TEST(plan_command(img, fence_node_cmd{2}, gen).records.size() == 1u);
  BOOST_TEST(!img.is_live(2));
  BOOST_TEST(plan_command(img, fence_node_cmd{2}, gen).records.empty()); // already fenced
  BOOST_TEST(plan_command(img, fence_node_cmd{9}, gen).records.empty()); // unknown node
  // The same incarnation registering again is unfenced (it was only silent).
  BOOST_TEST(plan_command(img, node(2), gen).records.size() == 1u); // unfence only
  BOOST_TEST(img.is_live(2));
}

BOOST_AUTO_TEST_CASE(creation_places_replicas_on_live_nodes_only) {
  metadata::rng gen{3};
  auto img = three_nodes(gen);
  plan_command(img, fence_node_cmd{3}, gen);
  auto bad = plan_command(img, create_topics_cmd{{topic_spec{"t", 2, 3, {}}}, false}, gen);
  BOOST_TEST(bad.result.items.at(0).error == errc::invalid_replication_factor);
  BOOST_TEST(bad.records.empty());
  auto ok = plan_command(img, create_topics_cmd{{topic_spec{"t", 4, 2, {}}}, false}, gen);
  BOOST_TEST(ok.result.items.at(0).error == 0);
  BOOST_TEST(ok.records.size() == 5u); // topic + 4 partitions, no configs
  for (auto& [p, st] : img.topic("t")->partitions) {
    BOOST_TEST(st.replicas.size() == 2u);
    BOOST_TEST(st.isr == st.replicas);
    BOOST_TEST(st.leader == -1);
    for (auto r : st.replicas) BOOST_TEST(r != 3);
  }
  auto zero = plan_command(img, create_topics_cmd{{topic_spec{"z", 0, 1, {}}}, false}, gen);
  BOOST_TEST(zero.result.items.at(0).error == errc::invalid_partitions);
}

BOOST_AUTO_TEST_CASE(reports_keep_isr_inside_the_replicas_and_epochs_monotonic) {
  metadata::rng gen{4};
  auto img = three_nodes(gen);
  plan_command(img, create_topics_cmd{{topic_spec{"t", 1, 2, {}}}, false}, gen);
  auto replicas = img.topic("t")->partitions.at(0).replicas;
  auto lead = replicas[0], other = replicas[1];
  int32_t outsider = 6 - lead - other; // the node with no replica
  auto r = plan_command(img, leader_report{"t", 0, lead, 1, {lead, outsider}}, gen);
  BOOST_TEST(r.result.error == 0);
  auto& p = img.topic("t")->partitions.at(0);
  BOOST_TEST(p.leader == lead);
  BOOST_TEST((p.isr == std::vector<int32_t>{lead})); // the outsider is dropped
  BOOST_TEST(plan_command(img, leader_report{"t", 0, lead, 1, {lead, outsider}}, gen)
                 .records.empty()); // nothing changed
  BOOST_TEST(plan_command(img, leader_report{"t", 0, outsider, 2, {outsider}}, gen).result.error ==
             errc::not_leader_or_follower);
  BOOST_TEST(plan_command(img, leader_report{"t", 0, other, 0, {other}}, gen).result.error ==
             errc::fenced_leader_epoch);
  BOOST_TEST(plan_command(img, leader_report{"t", 0, other, 2, {other, lead}}, gen).result.error ==
             0);
  BOOST_TEST(img.topic("t")->partitions.at(0).leader == other);
}

BOOST_AUTO_TEST_CASE(configs_are_written_as_differences) {
  metadata::rng gen{5};
  auto img = three_nodes(gen);
  plan_command(img, create_topics_cmd{{topic_spec{"t", 1, 1, {{"retention.ms", "10"}}}}, false},
               gen);
  auto same =
      plan_command(img, alter_configs_cmd{{topic_configs{"t", {{"retention.ms", "10"}}}}}, gen);
  BOOST_TEST(same.records.empty());
  auto swap = plan_command(
      img, alter_configs_cmd{{topic_configs{"t", {{"cleanup.policy", "compact"}}}}, false}, gen);
  BOOST_TEST(swap.records.size() == 2u); // one set, one delete
  BOOST_TEST(img.topic_configs.at("t").size() == 1u);
  BOOST_TEST(img.topic_configs.at("t").at("cleanup.policy") == "compact");
  auto unknown = plan_command(img, alter_configs_cmd{{topic_configs{"nope", {}}}, false}, gen);
  BOOST_TEST(unknown.result.items.at(0).error == errc::unknown_topic_or_partition);
}

BOOST_AUTO_TEST_CASE(same_seed_same_records) {
  auto run = [](uint64_t seed) {
    metadata::rng gen{seed};
    auto img = three_nodes(gen);
    return plan_command(img, create_topics_cmd{{topic_spec{"t", 6, 2, {}}}, false}, gen).records;
  };
  BOOST_TEST((run(7) == run(7)));
  BOOST_TEST(!(run(7) == run(8))); // topic ids differ at least
}
