// Node configuration parsing: single-node keys and the cluster-mode keys.
#define BOOST_TEST_MODULE node_config
#include <boost/test/unit_test.hpp>

#include "cluster/node_config.h"

using namespace caudal::cluster;

namespace {

std::optional<node_config> parse(const std::string& text, std::string* error = nullptr) {
  config_error err;
  auto c = parse_node_config(text, err);
  if (error) *error = err.message;
  return c;
}

const char* cluster_text = R"(node.id=2
listeners=PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://localhost:9093
controller.quorum.voters=1@127.0.0.1:19092, 2@127.0.0.1:19093 ,3@127.0.0.1:19094
broker.rack=r2
replication.election.timeout.ms=800
replica.fetch.wait.max.ms=250
replication.flush.before.ack=false
)";

} // namespace

BOOST_AUTO_TEST_CASE(single_node_has_no_cluster_settings) {
  auto c = parse("node.id=1\nlisteners=PLAINTEXT://127.0.0.1:9092\n");
  BOOST_REQUIRE(c);
  BOOST_CHECK(!c->cluster);
  BOOST_CHECK_EQUAL(c->listener.port, 9092);
}

BOOST_AUTO_TEST_CASE(cluster_keys_are_read) {
  auto c = parse(cluster_text);
  BOOST_REQUIRE(c);
  BOOST_REQUIRE(c->cluster);
  auto& cs = *c->cluster;
  BOOST_REQUIRE_EQUAL(cs.voters.size(), 3u);
  BOOST_CHECK_EQUAL(cs.voters[1].id, 2);
  BOOST_CHECK_EQUAL(cs.voters[1].host, "127.0.0.1");
  BOOST_CHECK_EQUAL(cs.voters[2].port, 19094);
  BOOST_CHECK_EQUAL(cs.inter_node.port, 19093);
  BOOST_CHECK_EQUAL(c->listener.port, 9093); // the client listener is not the CONTROLLER one
  BOOST_CHECK_EQUAL(c->advertised.host, "localhost");
  BOOST_CHECK_EQUAL(cs.rack.value_or(""), "r2");
  BOOST_CHECK_EQUAL(cs.election_timeout_ms, 800);
  BOOST_CHECK_EQUAL(cs.fetch_wait_ms, 250);
  BOOST_CHECK(!cs.flush_before_ack);
  BOOST_CHECK_EQUAL(cs.controller_election_timeout_ms, 1000); // default
}

BOOST_AUTO_TEST_CASE(controller_listener_name_is_configurable) {
  auto c = parse("listeners=INTERNAL://127.0.0.1:7000,PLAINTEXT://127.0.0.1:7001\n"
                 "controller.listener.names=INTERNAL\n"
                 "controller.quorum.voters=1@127.0.0.1:7000\n");
  BOOST_REQUIRE(c && c->cluster);
  BOOST_CHECK_EQUAL(c->cluster->inter_node.port, 7000);
  BOOST_CHECK_EQUAL(c->listener.port, 7001);
}

BOOST_AUTO_TEST_CASE(bad_cluster_settings_name_the_key) {
  std::string why;
  BOOST_CHECK(!parse("controller.quorum.voters=1@127.0.0.1:1\n", &why)); // no CONTROLLER listener
  BOOST_CHECK_NE(why.find("CONTROLLER"), std::string::npos);
  for (auto voters : {"x@h:1", "1@h", "1@h:99999", "1@h:1,1@h:2", "", "-1@h:1"}) {
    std::string text = "listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2\n"
                       "controller.quorum.voters=" +
                       std::string{voters} + "\n";
    BOOST_CHECK_MESSAGE(!parse(text, &why), voters);
    BOOST_CHECK_NE(why.find("controller.quorum.voters"), std::string::npos);
  }
  BOOST_CHECK(!parse(std::string{cluster_text} + "replication.election.timeout.ms=5\n", &why));
  BOOST_CHECK(!parse(std::string{cluster_text} + "replication.flush.before.ack=maybe\n", &why));
  BOOST_CHECK_NE(why.find("replication.flush.before.ack"), std::string::npos);
}
