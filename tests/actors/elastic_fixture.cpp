#include "elastic_fixture.h"

namespace caudal::testing {

using namespace caudal::actors;

elastic_fixture::elastic_fixture(std::map<std::string, std::string> configs) : cluster_fixture(4) {
  for (auto id : ids) {
    cluster_topic_manager_args a;
    a.node_id = id;
    a.log_dir = log_dir(id);
    a.fs = &fs;
    a.meta = metas[id].get();
    a.cache = caches[id] = std::make_shared<metadata_cache>();
    a.controller = controllers[id];
    a.transport = net.transport_for(id);
    a.router = routers[id];
    a.seed = 57 + static_cast<uint64_t>(id);
    a.num_partitions = 1;
    a.default_replication_factor = 3;
    a.election_timeout_ms = 1000;
    a.fetch_wait_ms = 200;
    a.request_timeout_ms = 10000;
    a.broker_configs = {{"node.id", std::to_string(id)}, {"auto.leader.rebalance.enable", "false"}};
    for (auto& [k, v] : configs) a.broker_configs[k] = v;
    tms[id] = spawn_cluster_topic_manager(sys, a);
  }
  sched.run();
}

elastic_fixture::~elastic_fixture() {
  for (auto& [id, a] : tms) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sched.run();
}

void elastic_fixture::create_topic(const std::string& name, int32_t partitions, int16_t rf) {
  msg::create_topics_request req;
  msg::create_topics_request::creatable_topic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = rf;
  req.topics.push_back(t);
  auto out = std::make_shared<std::optional<msg::create_topics_response>>();
  auto tm = tms.at(ids[0]);
  sys.spawn([=](caf::event_based_actor* a) {
    a->request(tm, caf::infinite, create_atom::value, req, int16_t{7})
        .then([=](msg::create_topics_response& r) { *out = std::move(r); });
  });
  BOOST_REQUIRE(run_until([&] { return out->has_value(); }, 60000));
  BOOST_REQUIRE_EQUAL((*out)->topics.at(0).error_code, 0);
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
  return ask<msg::alter_partition_reassignments_response>(via, reassign_atom::value, req);
}

msg::list_partition_reassignments_response elastic_fixture::list(int32_t via) {
  msg::list_partition_reassignments_request req;
  req.topics = std::nullopt;
  return ask<msg::list_partition_reassignments_response>(via, reassign_atom::value, req);
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
  return ask<msg::elect_leaders_response>(via, elect_atom::value, req);
}

msg::elect_leaders_response elastic_fixture::elect_all(int32_t via) {
  msg::elect_leaders_request req;
  req.topic_partitions = std::nullopt;
  return ask<msg::elect_leaders_response>(via, elect_atom::value, req);
}

msg::unregister_broker_response elastic_fixture::unregister(int32_t via, int32_t broker) {
  msg::unregister_broker_request req;
  req.broker_id = broker;
  return ask<msg::unregister_broker_response>(via, drain_atom::value, req);
}

} // namespace caudal::testing
