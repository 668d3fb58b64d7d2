// The elasticity APIs in single-node mode, answered as a one-broker Kafka
// would: nothing is ever being reassigned, this node leads every partition
// (its only replica), and there is no other node to drain to.

#include <caf/all.hpp>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/topic_handlers.h"
#include "actors/topic_manager_state.h"

namespace caudal::actors {

namespace {

using alter_req = msg::alter_partition_reassignments_request;
using alter_resp = msg::alter_partition_reassignments_response;

bool known(const topic_manager_state& st, const std::string& topic, int32_t p) {
  auto it = st.topics.find(topic);
  return it != st.topics.end() && p >= 0 && p < static_cast<int32_t>(it->second.partitions.size());
}

/// Moving a partition to this node (where it is) changes nothing; any other
/// node does not exist here; a cancel finds nothing to cancel.
alter_resp::reassignable_partition_response alter_one(const topic_manager_state& st,
                                                      const std::string& topic,
                                                      const alter_req::reassignable_partition& p,
                                                      int32_t node) {
  alter_resp::reassignable_partition_response r;
  r.partition_index = p.partition_index;
  r.error_message = std::nullopt;
  if (!known(st, topic, p.partition_index)) {
    r.error_code = elastic_errc::unknown_topic_or_partition;
    r.error_message = "Unknown topic or partition.";
  } else if (!p.replicas) {
    r.error_code = elastic_errc::no_reassignment_in_progress;
    r.error_message = "No reassignment in progress.";
  } else if (*p.replicas != std::vector<int32_t>{node}) {
    r.error_code = elastic_errc::invalid_replica_assignment;
    r.error_message = "Single-node mode: the only replica is node " + std::to_string(node) + ".";
  }
  return r;
}

alter_resp alter(const topic_manager_state& st, const alter_req& req, int32_t node) {
  alter_resp resp;
  resp.error_message = std::nullopt;
  for (auto& t : req.topics) {
    alter_resp::reassignable_topic_response out;
    out.name = t.name;
    for (auto& p : t.partitions) out.partitions.push_back(alter_one(st, t.name, p, node));
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

msg::elect_leaders_response::partition_result_t
elect_one(const topic_manager_state& st, const std::string& topic, int32_t p, int8_t type) {
  msg::elect_leaders_response::partition_result_t r;
  r.partition_id = p;
  if (!known(st, topic, p)) {
    r.error_code = elastic_errc::unknown_topic_or_partition;
    r.error_message = "Unknown topic or partition.";
  } else if (type != 0 && type != 1) {
    r.error_code = elastic_errc::invalid_request;
    r.error_message = "Unknown election type " + std::to_string(type) + ".";
  } else {
    r.error_code = elastic_errc::election_not_needed;
    r.error_message = "This node is the only replica and leads already.";
  }
  return r;
}

/// Every partition's leader is its preferred replica: a request for all
/// partitions has nothing to report (Kafka leaves ELECTION_NOT_NEEDED out
/// of an all-partitions answer); named partitions get ELECTION_NOT_NEEDED.
msg::elect_leaders_response elect(const topic_manager_state& st,
                                  const msg::elect_leaders_request& req) {
  msg::elect_leaders_response resp;
  if (!req.topic_partitions) return resp;
  for (auto& t : *req.topic_partitions) {
    msg::elect_leaders_response::replica_election_result out;
    out.topic = t.topic;
    for (auto p : t.partitions)
      out.partition_result.push_back(elect_one(st, t.topic, p, req.election_type));
    resp.replica_election_results.push_back(std::move(out));
  }
  return resp;
}

msg::unregister_broker_response unregister(const msg::unregister_broker_request& req,
                                           int32_t node) {
  msg::unregister_broker_response resp;
  if (req.broker_id != node) {
    resp.error_code = elastic_errc::broker_id_not_registered;
    resp.error_message = "Broker " + std::to_string(req.broker_id) + " is not registered.";
  } else {
    resp.error_code = elastic_errc::invalid_request;
    resp.error_message = "Single-node mode: this node holds every replica and there is no "
                         "other node to drain it to.";
  }
  return resp;
}

} // namespace

caf::message_handler single_node_elastic(topic_manager_self self) {
  return {
      [=](reassign_atom, const alter_req& req, int32_t node) {
        return alter(self->state, req, node);
      },
      [=](reassign_atom, const msg::list_partition_reassignments_request&, int32_t) {
        msg::list_partition_reassignments_response resp; // nothing is ever pending
        resp.error_message = std::nullopt;
        return resp;
      },
      [=](elect_atom, const msg::elect_leaders_request& req, int32_t) {
        return elect(self->state, req);
      },
      [=](drain_atom, const msg::unregister_broker_request& req, int32_t node) {
        return unregister(req, node);
      },
  };
}

} // namespace caudal::actors
