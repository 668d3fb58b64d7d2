#include "cmd/cluster_status.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iostream>
#include <set>

namespace caudal::cmd {
namespace {

const char* health_name(partition_health h) {
  switch (h) {
  case partition_health::healthy:
    return "ok";
  case partition_health::under_replicated:
    return "under-replicated";
  case partition_health::offline:
    return "offline";
  }
  return "?";
}

std::string leader_text(int32_t leader) { return leader < 0 ? "none" : std::to_string(leader); }

// Nodes named in replica lists but absent from Metadata's broker list: the cluster knows
// them, but they are not alive (or not registered) right now.
std::set<int32_t> missing_nodes(const cluster_info& info) {
  std::set<int32_t> listed;
  for (const auto& b : info.brokers) listed.insert(b.id);
  std::set<int32_t> out;
  for (const auto& t : info.topics)
    for (const auto& p : t.partitions)
      for (auto r : p.replicas)
        if (!listed.count(r)) out.insert(r);
  return out;
}

void print_nodes(std::ostream& out, const status_report& r) {
  std::vector<std::vector<std::string>> rows{{"NODE", "ADDRESS", "RACK", "STATE"}};
  auto brokers = r.metadata.brokers;
  std::sort(brokers.begin(), brokers.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& b : brokers) {
    auto rack = r.racks.find(b.id);
    rows.push_back({std::to_string(b.id), b.host + ':' + std::to_string(b.port),
                    rack == r.racks.end() ? "-" : rack->second,
                    b.id == r.controller_id ? "up, controller" : "up"});
  }
  for (auto id : missing_nodes(r.metadata)) rows.push_back({std::to_string(id), "-", "-", "down"});
  print_table(out, rows);
}

void print_partitions(std::ostream& out, const cluster_info& info) {
  std::vector<std::vector<std::string>> rows{
      {"TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "STATUS"}};
  for (const auto& t : info.topics) {
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rows.push_back({t.name, "-", "-", "-", "-", rd_kafka_err2name(t.err)});
      continue;
    }
    for (const auto& p : t.partitions)
      rows.push_back({t.name, std::to_string(p.id), leader_text(p.leader), join_ints(p.replicas),
                      join_ints(p.isrs), health_name(classify(p))});
  }
  print_table(out, rows);
}

// Adds "broker.rack" of every resource in a DescribeConfigs result to `racks`.
void collect_racks(rd_kafka_event_t* ev, std::map<int32_t, std::string>& racks) {
  size_t count = 0;
  const auto** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &count);
  for (size_t j = 0; j < count; ++j) {
    size_t n = 0;
    const auto** entries = rd_kafka_ConfigResource_configs(resources[j], &n);
    for (size_t k = 0; k < n; ++k) {
      const char* value = rd_kafka_ConfigEntry_value(entries[k]);
      if (value == nullptr || std::strcmp(rd_kafka_ConfigEntry_name(entries[k]), "broker.rack"))
        continue;
      const char* name = rd_kafka_ConfigResource_name(resources[j]);
      int32_t id = -1;
      if (std::from_chars(name, name + std::strlen(name), id).ec == std::errc{}) racks[id] = value;
    }
  }
}

// One DescribeConfigs per broker: librdkafka sends a BROKER resource to that broker only
// and refuses several broker resources in one call. All calls share one queue, so a dead
// broker costs one timeout, not one per broker.
std::map<int32_t, std::string> fetch_racks(rd_kafka_t* rk, const cluster_info& info,
                                           const global_options& global) {
  queue_ptr queue{rd_kafka_queue_new(rk)};
  auto options = make_admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, global);
  for (const auto& b : info.brokers) {
    auto id = std::to_string(b.id);
    config_resource_ptr res{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, id.c_str())};
    rd_kafka_ConfigResource_t* raw = res.get();
    rd_kafka_DescribeConfigs(rk, &raw, 1, options.get(), queue.get());
  }
  std::map<int32_t, std::string> racks;
  for (size_t i = 0; i < info.brokers.size(); ++i) {
    client_error ignored; // a node that cannot tell its rack still gets a row, rack "-"
    if (auto ev = wait_admin_result(queue.get(), global, ignored)) collect_racks(ev.get(), racks);
  }
  return racks;
}

std::string fetch_cluster_id(rd_kafka_t* rk, const global_options& global) {
  char* id = rd_kafka_clusterid(rk, global.timeout_ms);
  if (id == nullptr) return "-";
  std::string out = id;
  rd_kafka_mem_free(rk, id);
  return out;
}

} // namespace

partition_health classify(const partition_info& p) {
  if (p.leader < 0 || p.err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
    return partition_health::offline;
  if (p.isrs.size() < p.replicas.size()) return partition_health::under_replicated;
  return partition_health::healthy;
}

health_counts count_health(const cluster_info& info) {
  health_counts c;
  for (const auto& t : info.topics) {
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) ++c.topic_errors;
    for (const auto& p : t.partitions) {
      ++c.partitions;
      auto h = classify(p);
      c.under_replicated += h == partition_health::under_replicated;
      c.offline += h == partition_health::offline;
    }
  }
  return c;
}

int status_exit_code(const health_counts& counts) {
  return counts.offline > 0 || counts.topic_errors > 0 ? exit_failure : exit_ok;
}

void print_status(std::ostream& out, const status_report& report) {
  auto counts = count_health(report.metadata);
  print_table(out, {{"CLUSTER", report.cluster_id},
                    {"CONTROLLER", leader_text(report.controller_id)},
                    {"NODES", std::to_string(report.metadata.brokers.size())}});
  out << '\n';
  print_nodes(out, report);
  out << '\n';
  print_partitions(out, report.metadata);
  out << '\n';
  print_table(out, {{"PARTITIONS", std::to_string(counts.partitions)},
                    {"UNDER-REPLICATED", std::to_string(counts.under_replicated)},
                    {"OFFLINE", std::to_string(counts.offline)},
                    {"TOPIC-ERRORS", std::to_string(counts.topic_errors)}});
}

int run_cluster_status(const cluster_status_options& opts, const global_options& global) {
  auto g = global;
  if (!opts.bootstrap.empty()) g.brokers = opts.bootstrap;
  client_error err;
  auto conf = make_conf(g, {}, err);
  auto rk = conf ? make_handle(RD_KAFKA_PRODUCER, std::move(conf), err) : nullptr;
  if (!rk) return print_error("cluster status", err.message), exit_failure;
  auto info = fetch_metadata(rk.get(), g, err);
  if (!info) return print_error("cluster status", err.message), exit_failure;
  status_report report;
  report.cluster_id = fetch_cluster_id(rk.get(), g);
  report.controller_id = rd_kafka_controllerid(rk.get(), g.timeout_ms);
  report.racks = fetch_racks(rk.get(), *info, g);
  report.metadata = std::move(*info);
  print_status(std::cout, report);
  return status_exit_code(count_health(report.metadata));
}

} // namespace caudal::cmd
