#include "sim/cluster/cluster_scenario.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace caudal::sim::cluster {

namespace {

using json = nlohmann::json;
using setter = std::function<bool(const json&)>;

template <class T>
setter number(T& field, T lo, T hi) {
  return [&field, lo, hi](const json& v) {
    if (!v.is_number_integer()) return false;
    auto x = v.get<int64_t>();
    if (x < static_cast<int64_t>(lo) || x > static_cast<int64_t>(hi)) return false;
    field = static_cast<T>(x);
    return true;
  };
}

setter flag(bool& field) {
  return [&field](const json& v) {
    if (!v.is_boolean()) return false;
    field = v.get<bool>();
    return true;
  };
}

setter seconds(int64_t& ms, int64_t max_s) {
  return [&ms, max_s](const json& v) {
    if (!v.is_number() || v.get<double>() <= 0 || v.get<double>() > static_cast<double>(max_s))
      return false;
    ms = static_cast<int64_t>(v.get<double>() * 1000);
    return true;
  };
}

std::string apply(const json& obj, const std::string& where,
                  const std::map<std::string, setter>& keys) {
  if (!obj.is_object()) return where + " must be an object";
  for (auto& [k, v] : obj.items()) {
    auto it = keys.find(k);
    if (it == keys.end()) return "unknown key " + where + k;
    if (!it->second(v)) return "bad value for " + where + k;
  }
  return "";
}

std::map<std::string, setter> fault_keys(fault_mix& f) {
  return {{"crashes", flag(f.crashes)},   {"partitions", flag(f.partitions)},
          {"one_way", flag(f.one_way)},   {"flaps", flag(f.flaps)},
          {"clogs", flag(f.clogs)},       {"rolling_restart", flag(f.rolling_restart)},
          {"pauses", flag(f.pauses)},     {"majority_power_loss", flag(f.majority_power_loss)},
          {"reassign", flag(f.reassign)}, {"decommission", flag(f.decommission)},
          {"join", flag(f.join)}};
}

std::map<std::string, setter> workload_keys(clients_config& w) {
  return {{"partitions", number<int32_t>(w.partitions, 1, 64)},
          {"replication_factor", number<int16_t>(w.replication_factor, 1, 9)},
          {"producers", number<int>(w.producers, 1, 64)},
          {"consumers", number<int>(w.consumers, 0, 64)},
          {"keys_per_producer", number<int>(w.keys_per_producer, 1, 1000)},
          {"max_batch", number<int>(w.max_batch, 1, 1000)},
          {"think_max_ms", number<int64_t>(w.think_max_ms, 0, 60000)},
          {"max_latency_ms", number<int64_t>(w.max_latency_ms, 0, 10000)}};
}

} // namespace

std::string parse_cluster_scenario(const std::string& text, cluster_sim_config& cfg) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return "not valid JSON";
  std::string nested;
  std::map<std::string, setter> keys{
      {"description", [](const json& v) { return v.is_string(); }},
      {"nodes", number<int>(cfg.nodes, 3, 9)},
      {"duration_s", seconds(cfg.duration_ms, 3600)},
      {"liveness_bound_s", seconds(cfg.liveness_bound_ms, 3600)},
      {"settle_s", seconds(cfg.settle_ms, 3600)},
      {"fault_gap_min_ms", number<int64_t>(cfg.fault_gap_min_ms, 1, 3600000)},
      {"fault_gap_max_ms", number<int64_t>(cfg.fault_gap_max_ms, 1, 3600000)},
      {"fault_length_max_ms", number<int64_t>(cfg.fault_length_max_ms, 1, 3600000)},
      {"election_timeout_ms", number<int64_t>(cfg.election_timeout_ms, 100, 60000)},
      {"metadata_snapshot_bytes", number<int64_t>(cfg.metadata_snapshot_bytes, 0, 1LL << 40)},
      {"late_nodes", number<int>(cfg.late_nodes, 0, 6)},
      {"bug_lying_fsync", flag(cfg.bug_lying_fsync)},
      {"bug_ack_before_commit", flag(cfg.clients.bug_ack_on_leader_append)},
      {"faults",
       [&](const json& v) {
         return (nested = apply(v, "faults.", fault_keys(cfg.faults))).empty();
       }},
      {"workload", [&](const json& v) {
         return (nested = apply(v, "workload.", workload_keys(cfg.clients))).empty();
       }}};
  auto err = apply(doc, "", keys);
  if (!nested.empty()) return nested;
  if (!err.empty()) return err;
  if (cfg.fault_gap_min_ms > cfg.fault_gap_max_ms) return "fault_gap_min_ms > fault_gap_max_ms";
  // The controller quorum (the nodes started at t=0) must survive one node
  // down, the faults' budget.
  if (cfg.nodes - cfg.late_nodes < 3) return "late_nodes leaves fewer than 3 voters";
  return "";
}

std::string load_cluster_scenario(const std::string& path, cluster_sim_config& cfg) {
  std::ifstream in(path);
  if (!in) return "cannot read " + path;
  std::stringstream ss;
  ss << in.rdbuf();
  auto err = parse_cluster_scenario(ss.str(), cfg);
  return err.empty() ? "" : path + ": " + err;
}

} // namespace caudal::sim::cluster
