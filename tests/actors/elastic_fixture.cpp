#include "elastic_fixture.h"

namespace caudal::testing {

using namespace caudal::actors;

namespace {
manager_options elastic_options(std::map<std::string, std::string> configs) {
  // Automatic leader balancing is off unless `configs` turn it on.
  configs.emplace("auto.leader.rebalance.enable", "false");
  return manager_options{57, 1, std::move(configs)};
}
} // namespace

elastic_fixture::elastic_fixture(std::map<std::string, std::string> configs)
    : managed_cluster(4, elastic_options(std::move(configs))) {}

void elastic_fixture::create_topic(const std::string& name, int32_t partitions, int16_t rf) {
  msg::create_topics_request req;
  msg::create_topics_request::creatable_topic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = rf;
  req.topics.push_back(t);
  auto out = ask<msg::create_topics_response>(ids[0], create_atom::value, req, int16_t{7});
  BOOST_REQUIRE_EQUAL(out.topics.at(0).error_code, 0);
  for (int32_t p = 0; p < partitions; ++p)
    BOOST_REQUIRE(run_until([&] {
      return all_show(name, p, [&](const metadata::partition_state& ps) {
        return ps.leader >= 0 && ps.isr.size() == static_cast<size_t>(rf);
      });
    }));
}

const metadata::partition_state* elastic_fixture::state(int32_t id, const std::string& topic,
                                                        int32_t p) {
  auto& img = seen[id]->image;
  const auto* t = img ? img->topic(topic) : nullptr;
  return t ? img->partition(t->id, p) : nullptr;
}

bool elastic_fixture::all_show(const std::string& topic, int32_t p,
                               const std::function<bool(const metadata::partition_state&)>& pred) {
  for (auto id : ids) {
    const auto* ps = state(id, topic, p);
    if (!ps || !pred(*ps)) return false;
  }
  return true;
}

msg::alter_partition_reassignments_response
elastic_fixture::alter(int32_t via, const std::string& topic, int32_t p,
                       std::optional<std::vector<int32_t>> to) {
  msg::alter_partition_reassignments_request req;
  msg::alter_partition_reassignments_request::reassignable_topic t;
  t.name = topic;
  msg::alter_partition_reassignments_request::reassignable_partition rp;
  rp.partition_index = p;
  rp.replicas = std::move(to);
  t.partitions.push_back(rp);
  req.topics.push_back(t);
  return ask_as_node<msg::alter_partition_reassignments_response>(via, reassign_atom::value, req);
}

msg::list_partition_reassignments_response elastic_fixture::list(int32_t via) {
  msg::list_partition_reassignments_request req;
  req.topics = std::nullopt;
  return ask_as_node<msg::list_partition_reassignments_response>(via, reassign_atom::value, req);
}

msg::elect_leaders_response elastic_fixture::elect(int32_t via, int8_t type,
                                                   const std::string& topic,
                                                   std::vector<int32_t> parts, int32_t timeout_ms) {
  msg::elect_leaders_request req;
  req.election_type = type;
  req.timeout_ms = timeout_ms;
  msg::elect_leaders_request::topic_partitions_t tp;
  tp.topic = topic;
  tp.partitions = std::move(parts);
  req.topic_partitions->push_back(tp);
  return ask_as_node<msg::elect_leaders_response>(via, elect_atom::value, req);
}

msg::elect_leaders_response elastic_fixture::elect_all(int32_t via) {
  msg::elect_leaders_request req;
  req.topic_partitions = std::nullopt;
  return ask_as_node<msg::elect_leaders_response>(via, elect_atom::value, req);
}

msg::unregister_broker_response elastic_fixture::unregister(int32_t via, int32_t broker) {
  msg::unregister_broker_request req;
  req.broker_id = broker;
  return ask_as_node<msg::unregister_broker_response>(via, drain_atom::value, req);
}

} // namespace caudal::testing
