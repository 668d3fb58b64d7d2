#define BOOST_TEST_MODULE metadata_commands_partitions
#include <boost/test/unit_test.hpp>

#include "fixtures.h"
#include "metadata/errors.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;
namespace metadata = caudal::metadata;

namespace {

/// Nodes 1-4 live; topic "t" partition 0 on {1,2,3}, no leader yet, epoch 0.
image cluster(uuid& id) {
  image img;
  for (node_id n = 1; n <= 4; ++n) add_live_node(img, n);
  id = test_uuid(6);
  metadata::apply(img, topic_record{"t", id, false});
  metadata::apply(img, partition_record{id, 0, {1, 2, 3}, no_leader, 0, {1, 2, 3}, {}, {}});
  return img;
}

partition_report report(node_id n, const uuid& id, int32_t epoch, std::vector<node_id> isr) {
  return partition_report{n, 1, id, 0, epoch, std::move(isr)};
}

int16_t error_of(const image& img, partition_report r) {
  auto res = report_partitions(img, {std::move(r)});
  BOOST_REQUIRE(res.items.size() == 1u);
  if (res.items[0].error != 0) BOOST_TEST(res.records.empty());
  return res.items[0].error;
}

} // namespace

BOOST_AUTO_TEST_CASE(leader_reports_update_the_image) {
  uuid id;
  auto img = cluster(id);
  auto res = report_partitions(img, {report(2, id, 1, {2, 1})});
  BOOST_TEST(res.items[0].error == 0);
  BOOST_REQUIRE(res.records.size() == 1u);
  metadata::apply(img, res.records);
  const auto& st = *img.partition(id, 0);
  BOOST_TEST(st.leader == 2);
  BOOST_TEST(st.leader_epoch == 1);
  BOOST_TEST(st.isr == (std::vector<node_id>{2, 1}));
  BOOST_TEST(img.under_replicated().size() == 1u);
  // The same report again: accepted, nothing to write.
  res = report_partitions(img, {report(2, id, 1, {2, 1})});
  BOOST_TEST(res.items[0].error == 0);
  BOOST_TEST(res.records.empty());
  // A newer epoch from another replica is a Raft election the controller records.
  res = report_partitions(img, {report(3, id, 2, {3, 1, 2})});
  BOOST_TEST(res.items[0].error == 0);
  metadata::apply(img, res.records);
  BOOST_TEST(img.partition(id, 0)->leader == 3);
}

BOOST_AUTO_TEST_CASE(stale_and_invalid_reports) {
  uuid id;
  auto img = cluster(id);
  metadata::apply(img, report_partitions(img, {report(2, id, 3, {2, 1, 3})}).records);
  BOOST_TEST(error_of(img, report(1, id, 2, {1})) == errc::fenced_leader_epoch);
  BOOST_TEST(error_of(img, report(1, id, 3, {1})) == errc::not_leader_or_follower);
  BOOST_TEST(error_of(img, report(4, id, 4, {4})) == errc::not_leader_or_follower);
  BOOST_TEST(error_of(img, report(9, id, 4, {9})) == errc::broker_id_not_registered);
  auto stale = report(2, id, 3, {2});
  stale.incarnation = 7;
  BOOST_TEST(error_of(img, stale) == errc::stale_broker_epoch);
  BOOST_TEST(error_of(img, report(2, test_uuid(9), 3, {2})) == errc::unknown_topic_id);
  auto bad_partition = report(2, id, 3, {2});
  bad_partition.partition = 5;
  BOOST_TEST(error_of(img, bad_partition) == errc::unknown_topic_or_partition);
  BOOST_TEST(error_of(img, report(2, id, 3, {1, 3})) == errc::invalid_request); // no leader
  BOOST_TEST(error_of(img, report(2, id, 3, {2, 2})) == errc::invalid_request);
  BOOST_TEST(error_of(img, report(2, id, 3, {2, 4})) == errc::invalid_request); // not a replica
  metadata::apply(img, fence_node_cmd(img, 3).records);
  BOOST_TEST(error_of(img, report(2, id, 3, {2, 3})) == errc::ineligible_replica);
  BOOST_TEST(error_of(img, report(3, id, 4, {3})) == errc::broker_not_available);
}

BOOST_AUTO_TEST_CASE(reports_in_one_call_see_each_other) {
  uuid id;
  auto img = cluster(id);
  auto res = report_partitions(img, {report(1, id, 2, {1, 2, 3}), report(2, id, 1, {2})});
  BOOST_TEST(res.items[0].error == 0);
  BOOST_TEST(res.items[1].error == errc::fenced_leader_epoch);
  BOOST_TEST(res.records.size() == 1u);
}

BOOST_AUTO_TEST_CASE(reassignment_runs_to_completion) {
  uuid id;
  auto img = cluster(id);
  metadata::apply(img, report_partitions(img, {report(1, id, 1, {1, 2, 3})}).records);
  auto res = reassign_partitions(img, {{"t", 0, std::vector<node_id>{2, 3, 4}}});
  BOOST_TEST(res.items[0].error == 0);
  metadata::apply(img, res.records);
  auto st = *img.partition(id, 0);
  BOOST_TEST(st.replicas == (std::vector<node_id>{2, 3, 4, 1}));
  BOOST_TEST(st.adding == std::vector<node_id>{4});
  BOOST_TEST(st.removing == std::vector<node_id>{1});
  BOOST_TEST(st.leader == 1);
  // Node 4 catches up: the leader's report puts it in the ISR (it becomes a
  // voter); the next report, with every target still in sync, completes the
  // move; the leaving leader loses leadership so Raft elects among the new
  // replicas.
  res = report_partitions(img, {report(1, id, 1, {1, 2, 3, 4})});
  BOOST_TEST(res.items[0].error == 0);
  metadata::apply(img, res.records);
  st = *img.partition(id, 0);
  BOOST_TEST(st.isr == (std::vector<node_id>{1, 2, 3, 4}));
  BOOST_TEST(st.adding.empty()); // a voter now
  BOOST_TEST(st.reassigning());
  res = report_partitions(img, {report(1, id, 1, {1, 2, 3, 4})});
  BOOST_TEST(res.items[0].error == 0);
  metadata::apply(img, res.records);
  st = *img.partition(id, 0);
  BOOST_TEST(st.replicas == (std::vector<node_id>{2, 3, 4}));
  BOOST_TEST(st.isr == (std::vector<node_id>{2, 3, 4}));
  BOOST_TEST(!st.reassigning());
  BOOST_TEST(st.leader == no_leader);
}

BOOST_AUTO_TEST_CASE(reassignment_cancel_and_errors) {
  uuid id;
  auto img = cluster(id);
  auto err = [&](reassignment_request r) { return reassign_partitions(img, {r}).items[0].error; };
  BOOST_TEST(err({"t", 0, std::nullopt}) == errc::no_reassignment_in_progress);
  BOOST_TEST(err({"t", 1, std::vector<node_id>{1}}) == errc::unknown_topic_or_partition);
  BOOST_TEST(err({"x", 0, std::vector<node_id>{1}}) == errc::unknown_topic_or_partition);
  BOOST_TEST(err({"t", 0, std::vector<node_id>{}}) == errc::invalid_replica_assignment);
  BOOST_TEST(err({"t", 0, std::vector<node_id>{1, 1}}) == errc::invalid_replica_assignment);
  BOOST_TEST(err({"t", 0, std::vector<node_id>{1, 9}}) == errc::invalid_replica_assignment);
  // Same set: nothing to do.
  BOOST_TEST(reassign_partitions(img, {{"t", 0, std::vector<node_id>{1, 2, 3}}}).records.empty());
  // Shrinking to in-sync replicas completes at once.
  auto res = reassign_partitions(img, {{"t", 0, std::vector<node_id>{1, 2}}});
  BOOST_TEST(res.items[0].error == 0);
  auto copy = img;
  metadata::apply(copy, res.records);
  BOOST_TEST(copy.partition(id, 0)->replicas == (std::vector<node_id>{1, 2}));
  BOOST_TEST(!copy.partition(id, 0)->reassigning());
  // Start one, override it, then cancel: back to the original replicas.
  metadata::apply(img, reassign_partitions(img, {{"t", 0, std::vector<node_id>{4, 2, 3}}}).records);
  metadata::apply(img, reassign_partitions(img, {{"t", 0, std::vector<node_id>{1, 4, 3}}}).records);
  auto st = *img.partition(id, 0);
  BOOST_TEST(st.adding == std::vector<node_id>{4});
  BOOST_TEST(st.removing == std::vector<node_id>{2});
  res = reassign_partitions(img, {{"t", 0, std::nullopt}});
  BOOST_TEST(res.items[0].error == 0);
  metadata::apply(img, res.records);
  st = *img.partition(id, 0);
  // As in KRaft, the revert keeps the current order minus the added replicas.
  auto replicas = st.replicas;
  std::sort(replicas.begin(), replicas.end());
  BOOST_TEST(replicas == (std::vector<node_id>{1, 2, 3}));
  BOOST_TEST(!st.reassigning());
}
