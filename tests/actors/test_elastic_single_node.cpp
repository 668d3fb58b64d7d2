// The elasticity admin APIs in single-node mode, through a session (wire
// encoding included): answered as a one-broker Kafka would.
#define BOOST_TEST_MODULE elastic_single_node
#include <boost/test/unit_test.hpp>

#include "node_fixture.h"

using namespace caudal;
using caudal::testing::node_fixture;
namespace msg = caudal::protocol::msg;

namespace {

void create_topic(node_fixture& f, node_fixture::client& c, const std::string& name) {
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = name;
  t.num_partitions = 2;
  t.replication_factor = 1;
  BOOST_REQUIRE_EQUAL(f.call<msg::create_topics_response>(c, req, 7).topics.at(0).error_code, 0);
}

int16_t alter(node_fixture& f, node_fixture::client& c, const std::string& topic, int32_t p,
              std::optional<std::vector<int32_t>> replicas) {
  msg::alter_partition_reassignments_request req;
  auto& t = req.topics.emplace_back();
  t.name = topic;
  auto& rp = t.partitions.emplace_back();
  rp.partition_index = p;
  rp.replicas = std::move(replicas);
  auto resp = f.call<msg::alter_partition_reassignments_response>(c, req, 0);
  BOOST_TEST(resp.error_code == 0);
  return resp.responses.at(0).partitions.at(0).error_code;
}

msg::elect_leaders_response elect(node_fixture& f, node_fixture::client& c, int16_t version,
                                  std::optional<std::vector<int32_t>> partitions, int8_t type = 0) {
  msg::elect_leaders_request req;
  req.election_type = type;
  if (partitions) {
    msg::elect_leaders_request::topic_partitions_t tp;
    tp.topic = "solo";
    tp.partitions = *partitions;
    req.topic_partitions->push_back(tp);
  } else {
    req.topic_partitions = std::nullopt;
  }
  return f.call<msg::elect_leaders_response>(c, req, version);
}

} // namespace

BOOST_AUTO_TEST_CASE(one_broker_answers) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "solo");
  auto me = f.ctx.node_id;

  BOOST_TEST(alter(f, c, "solo", 0, std::vector<int32_t>{me}) == 0);      // already there
  BOOST_TEST(alter(f, c, "solo", 1, std::vector<int32_t>{me + 1}) == 39); // no such node
  BOOST_TEST(alter(f, c, "solo", 0, std::nullopt) == 85);                 // nothing to cancel
  BOOST_TEST(alter(f, c, "solo", 2, std::vector<int32_t>{me}) == 3);
  BOOST_TEST(alter(f, c, "other", 0, std::vector<int32_t>{me}) == 3);

  msg::list_partition_reassignments_request list;
  list.topics = std::nullopt;
  auto l = f.call<msg::list_partition_reassignments_response>(c, list, 0);
  BOOST_TEST(l.error_code == 0);
  BOOST_TEST(l.topics.empty());

  for (int16_t v : {0, 1, 2}) {
    auto e = elect(f, c, v, std::vector<int32_t>{0, 1, 5});
    BOOST_REQUIRE_EQUAL(e.replica_election_results.size(), 1u);
    auto& r = e.replica_election_results[0].partition_result;
    BOOST_REQUIRE_EQUAL(r.size(), 3u);
    BOOST_TEST(r[0].error_code == 84); // ELECTION_NOT_NEEDED
    BOOST_TEST(r[1].error_code == 84);
    BOOST_TEST(r[2].error_code == 3);
  }
  BOOST_TEST(elect(f, c, 2, std::nullopt).replica_election_results.empty());
  BOOST_TEST(elect(f, c, 1, std::vector<int32_t>{0}, 1)
                 .replica_election_results.at(0)
                 .partition_result.at(0)
                 .error_code == 84);

  msg::unregister_broker_request u;
  u.broker_id = me + 7;
  BOOST_TEST(f.call<msg::unregister_broker_response>(c, u, 0).error_code == 102);
  u.broker_id = me;
  BOOST_TEST(f.call<msg::unregister_broker_response>(c, u, 0).error_code == 42);

  auto versions = f.call<msg::api_versions_response>(c, msg::api_versions_request{}, 3);
  std::map<int16_t, std::pair<int16_t, int16_t>> served;
  for (auto& k : versions.api_keys) served[k.api_key] = {k.min_version, k.max_version};
  BOOST_TEST((served[43] == std::pair<int16_t, int16_t>{0, 2}));
  BOOST_TEST((served[45] == std::pair<int16_t, int16_t>{0, 0}));
  BOOST_TEST((served[46] == std::pair<int16_t, int16_t>{0, 0}));
  BOOST_TEST((served[64] == std::pair<int16_t, int16_t>{0, 0}));
}
