#pragma once
// Multi-node scenarios as JSON files (configs/sim/cluster-*.json), the same
// spirit as the single-node ones (sim/scenario.h): every key optional, an
// unknown key or a bad value is an error, so a typo cannot run defaults.

#include <string>

#include "sim/cluster/cluster_sim.h"

namespace caudal::sim::cluster {

/// Reads `path` over the defaults in `cfg`; "" or the error.
std::string load_cluster_scenario(const std::string& path, cluster_sim_config& cfg);
/// The same from JSON text (tests).
std::string parse_cluster_scenario(const std::string& text, cluster_sim_config& cfg);

} // namespace caudal::sim::cluster
