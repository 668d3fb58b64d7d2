#include "sim/scenario.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace caudal::sim {

namespace {

using json = nlohmann::json;

std::string apply_workload(const json& w, workload_config& c) {
  for (auto& [k, v] : w.items()) {
    if (k == "topic")
      c.topic = v.get<std::string>();
    else if (k == "partitions")
      c.partitions = v.get<int32_t>();
    else if (k == "producers")
      c.producers = v.get<int>();
    else if (k == "consumers")
      c.consumers = v.get<int>();
    else if (k == "keys_per_producer")
      c.keys_per_producer = v.get<int>();
    else if (k == "max_batch")
      c.max_batch = v.get<int>();
    else if (k == "think_max_ms")
      c.think_max_ms = v.get<int64_t>();
    else if (k == "backoff_max_ms")
      c.backoff_max_ms = v.get<int64_t>();
    else if (k == "max_filler")
      c.max_filler = v.get<int>();
    else if (k == "topic_configs")
      c.topic_configs = v.get<std::map<std::string, std::string>>();
    else
      return "unknown workload key: " + k;
  }
  if (c.partitions < 1 || c.producers < 1 || c.keys_per_producer < 1 || c.max_batch < 1)
    return "workload: partitions, producers, keys_per_producer and max_batch must be >= 1";
  return "";
}

std::string apply_top(const json& j, sim_config& c) {
  for (auto& [k, v] : j.items()) {
    if (k == "description") continue;
    if (k == "duration_s")
      c.duration_ms = static_cast<int64_t>(v.get<double>() * 1000);
    else if (k == "liveness_bound_s")
      c.liveness_bound_ms = static_cast<int64_t>(v.get<double>() * 1000);
    else if (k == "crashes")
      c.crashes = v.get<bool>();
    else if (k == "crash_interval_min_ms")
      c.crash_interval_min_ms = v.get<int64_t>();
    else if (k == "crash_interval_max_ms")
      c.crash_interval_max_ms = v.get<int64_t>();
    else if (k == "downtime_max_ms")
      c.downtime_max_ms = v.get<int64_t>();
    else if (k == "durable")
      c.durable = v.get<bool>();
    else if (k == "bug_lying_fsync")
      c.bug_lying_fsync = v.get<bool>();
    else if (k == "workload") {
      if (auto e = apply_workload(v, c.workload); !e.empty()) return e;
    } else
      return "unknown scenario key: " + k;
  }
  return "";
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
