#include "sim/scenario.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace caudal::sim {

namespace {

using json = nlohmann::json;

// Setters for workload keys, by name.
using wsetter = std::function<void(const json&, workload_config&)>;

template <class T, class M>
wsetter wfield(M workload_config::*member) {
  return [member](const json& v, workload_config& c) { c.*member = v.get<T>(); };
}

const std::map<std::string, wsetter>& workload_keys() {
  static const std::map<std::string, wsetter> keys = {
      {"topic", wfield<std::string>(&workload_config::topic)},
      {"partitions", wfield<int32_t>(&workload_config::partitions)},
      {"producers", wfield<int>(&workload_config::producers)},
      {"consumers", wfield<int>(&workload_config::consumers)},
      {"keys_per_producer", wfield<int>(&workload_config::keys_per_producer)},
      {"max_batch", wfield<int>(&workload_config::max_batch)},
      {"think_max_ms", wfield<int64_t>(&workload_config::think_max_ms)},
      {"backoff_max_ms", wfield<int64_t>(&workload_config::backoff_max_ms)},
      {"max_filler", wfield<int>(&workload_config::max_filler)},
      {"max_latency_ms", wfield<int64_t>(&workload_config::max_latency_ms)},
      {"idempotent", wfield<bool>(&workload_config::idempotent)},
      {"group_members", wfield<int>(&workload_config::group_members)},
      {"session_timeout_ms", wfield<int32_t>(&workload_config::session_timeout_ms)},
      {"member_restart_max_ms", wfield<int64_t>(&workload_config::member_restart_max_ms)},
      {"topic_configs",
       wfield<std::map<std::string, std::string>>(&workload_config::topic_configs)},
  };
  return keys;
}

std::string apply_workload(const json& w, workload_config& c) {
  if (!w.is_object()) return "workload must be an object";
  for (auto& [k, v] : w.items()) {
    auto it = workload_keys().find(k);
    if (it == workload_keys().end()) return "unknown workload key: " + k;
    it->second(v, c);
  }
  if (c.partitions < 1 || c.producers < 1 || c.keys_per_producer < 1 || c.max_batch < 1)
    return "workload: partitions, producers, keys_per_producer and max_batch must be >= 1";
  if (c.consumers < 0 || c.group_members < 0 || c.max_latency_ms < 0)
    return "workload: consumers, group_members and max_latency_ms must be >= 0";
  if (c.session_timeout_ms < 100) return "workload: session_timeout_ms must be >= 100";
  return "";
}

// Setters for the top-level keys, by name: adding a knob is one line.
using setter = std::function<void(const json&, sim_config&)>;

template <class T, class M>
setter field(M sim_config::*member) {
  return [member](const json& v, sim_config& c) { c.*member = v.get<T>(); };
}

setter seconds(int64_t sim_config::*member) {
  return [member](const json& v, sim_config& c) {
    c.*member = static_cast<int64_t>(v.get<double>() * 1000);
  };
}

const std::map<std::string, setter>& top_keys() {
  static const std::map<std::string, setter> keys = {
      {"duration_s", seconds(&sim_config::duration_ms)},
      {"liveness_bound_s", seconds(&sim_config::liveness_bound_ms)},
      {"crashes", field<bool>(&sim_config::crashes)},
      {"crash_interval_min_ms", field<int64_t>(&sim_config::crash_interval_min_ms)},
      {"crash_interval_max_ms", field<int64_t>(&sim_config::crash_interval_max_ms)},
      {"downtime_max_ms", field<int64_t>(&sim_config::downtime_max_ms)},
      {"durable", field<bool>(&sim_config::durable)},
      {"bug_lying_fsync", field<bool>(&sim_config::bug_lying_fsync)},
      {"bug_retry_without_pid", field<bool>(&sim_config::bug_retry_without_pid)},
      {"fsync_fail_per_mille", field<uint32_t>(&sim_config::fsync_fail_per_mille)},
      {"disk_capacity_bytes", field<uint64_t>(&sim_config::disk_capacity_bytes)},
      {"disk_faults_during_setup", field<bool>(&sim_config::disk_faults_during_setup)},
      {"pauses", field<bool>(&sim_config::pauses)},
      {"pause_interval_min_ms", field<int64_t>(&sim_config::pause_interval_min_ms)},
      {"pause_interval_max_ms", field<int64_t>(&sim_config::pause_interval_max_ms)},
      {"pause_max_ms", field<int64_t>(&sim_config::pause_max_ms)},
      {"clock_jump_max_ms", field<int64_t>(&sim_config::clock_jump_max_ms)},
      {"retention_check_interval_ms", field<int64_t>(&sim_config::retention_check_interval_ms)},
  };
  return keys;
}

std::string check(const sim_config& c) {
  if (c.fsync_fail_per_mille > 1000) return "fsync_fail_per_mille must be <= 1000";
  if (c.crash_interval_min_ms < 1 || c.crash_interval_max_ms < c.crash_interval_min_ms ||
      c.pause_interval_min_ms < 1 || c.pause_interval_max_ms < c.pause_interval_min_ms)
    return "fault intervals must be >= 1 ms with min <= max";
  if (c.retention_check_interval_ms < 1) return "retention_check_interval_ms must be >= 1";
  return "";
}

std::string apply_top(const json& j, sim_config& c) {
  for (auto& [k, v] : j.items()) {
    if (k == "description") continue;
    if (k == "workload") {
      if (auto e = apply_workload(v, c.workload); !e.empty()) return e;
      continue;
    }
    auto it = top_keys().find(k);
    if (it == top_keys().end()) return "unknown scenario key: " + k;
    it->second(v, c);
  }
  return check(c);
}

} // namespace

std::string apply_scenario_json(const std::string& text, sim_config& cfg) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "scenario is not a JSON object";
  try {
    return apply_top(j, cfg);
  } catch (const json::exception& e) { // a value of the wrong type
    return std::string("scenario: ") + e.what();
  }
}

std::string load_scenario(const std::string& path, sim_config& cfg) {
  std::ifstream in(path);
  if (!in) return "cannot read " + path;
  std::stringstream ss;
  ss << in.rdbuf();
  return apply_scenario_json(ss.str(), cfg);
}

} // namespace caudal::sim
