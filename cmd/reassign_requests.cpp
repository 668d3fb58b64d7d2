// Request building, result reading and tables of the reassignment commands (declared in
// reassign_plan.h).

#include <map>

#include "cmd/cli_common.h"
#include "cmd/reassign_plan.h"
#include "cmd/wire_client.h"

namespace caudal::cmd {
namespace {

namespace msg = protocol::msg;

constexpr int16_t election_not_needed = 84;
constexpr int8_t preferred_election = 0;

std::string ints_or_dash(const std::vector<int32_t>& v) { return v.empty() ? "-" : join_ints(v); }

} // namespace

msg::alter_partition_reassignments_request alter_request(const std::vector<partition_move>& moves,
                                                         int32_t timeout_ms) {
  msg::alter_partition_reassignments_request req;
  req.timeout_ms = timeout_ms;
  std::map<std::string, size_t> index; // topic -> position in req.topics, in first-seen order
  for (const auto& m : moves) {
    auto [it, fresh] = index.emplace(m.topic, req.topics.size());
    if (fresh) req.topics.emplace_back().name = m.topic;
    auto& p = req.topics[it->second].partitions.emplace_back();
    p.partition_index = m.partition;
    if (!m.to.empty()) p.replicas = m.to; // empty: null, which cancels
  }
  return req;
}

msg::list_partition_reassignments_request
list_request(const std::vector<std::string>& topics, const cluster_view* view, int32_t timeout_ms) {
  msg::list_partition_reassignments_request req;
  req.timeout_ms = timeout_ms;
  if (topics.empty()) return req; // null: every reassignment
  req.topics.emplace();
  for (const auto& name : topics) {
    auto& t = req.topics->emplace_back();
    t.name = name;
    const auto* vt = view ? view->topic(name) : nullptr;
    if (vt)
      for (const auto& p : vt->partitions) t.partition_indexes.push_back(p.id);
  }
  return req;
}

msg::elect_leaders_request elect_request(const std::vector<topic_partition>& partitions,
                                         int32_t timeout_ms) {
  msg::elect_leaders_request req;
  req.election_type = preferred_election;
  req.timeout_ms = timeout_ms;
  if (partitions.empty()) {
    req.topic_partitions.reset(); // null: every partition
    return req;
  }
  req.topic_partitions.emplace();
  std::map<std::string, size_t> index;
  for (const auto& tp : partitions) {
    auto [it, fresh] = index.emplace(tp.topic, req.topic_partitions->size());
    if (fresh) req.topic_partitions->emplace_back().topic = tp.topic;
    (*req.topic_partitions)[it->second].partitions.push_back(tp.partition);
  }
  return req;
}

std::vector<partition_result> alter_results(const msg::alter_partition_reassignments_response& resp,
                                            int16_t& top_error, std::string& top_message) {
  top_error = resp.error_code;
  top_message = resp.error_message.value_or("");
  std::vector<partition_result> out;
  for (const auto& t : resp.responses)
    for (const auto& p : t.partitions)
      out.push_back({{t.name, p.partition_index}, p.error_code, p.error_message.value_or("")});
  return out;
}

std::vector<partition_result> elect_results(const msg::elect_leaders_response& resp,
                                            int16_t& top_error) {
  top_error = resp.error_code;
  std::vector<partition_result> out;
  for (const auto& t : resp.replica_election_results)
    for (const auto& p : t.partition_result)
      out.push_back({{t.topic, p.partition_id}, p.error_code, p.error_message.value_or("")});
  return out;
}

bool election_ok(int16_t error) { return error == 0 || error == election_not_needed; }

table plan_table(const std::vector<partition_move>& moves) {
  table rows{{"TOPIC", "PARTITION", "FROM", "TO"}};
  for (const auto& m : moves)
    rows.push_back({m.topic, std::to_string(m.partition), join_ints(m.from), join_ints(m.to)});
  return rows;
}

table pending_table(const std::vector<pending_move>& pending) {
  table rows{{"TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"}};
  for (const auto& m : pending)
    rows.push_back({m.topic, std::to_string(m.partition), ints_or_dash(m.replicas),
                    ints_or_dash(m.adding), ints_or_dash(m.removing)});
  return rows;
}

table result_table(const std::vector<partition_result>& results, bool election) {
  table rows{{"TOPIC", "PARTITION", "RESULT"}};
  for (const auto& r : results) {
    std::string text = r.error == 0 ? "ok"
                       : election && r.error == election_not_needed
                           ? "already preferred"
                           : describe_kafka_error(r.error, r.message);
    rows.push_back({r.tp.topic, std::to_string(r.tp.partition), text});
  }
  return rows;
}

} // namespace caudal::cmd
