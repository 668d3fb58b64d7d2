#pragma once
// Scenarios: JSON files (configs/sim/*.json) that set sim_config fields, e.g.
//   {"duration_s": 5, "durable": true, "crashes": true,
//    "workload": {"partitions": 3, "producers": 2, "consumers": 2,
//                 "topic_configs": {"segment.bytes": "4096"}}}
// Unknown keys are an error, so a typo does not silently run the default.

#include <string>

#include "sim/simulation.h"

namespace caudal::sim {

/// Applies the scenario file at `path` on top of `cfg`; an error text or "".
std::string load_scenario(const std::string& path, sim_config& cfg);
/// The same from JSON text.
std::string apply_scenario_json(const std::string& text, sim_config& cfg);

} // namespace caudal::sim
