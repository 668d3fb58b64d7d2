#pragma once
// Entry point of a Caudal node: `caudal node --config FILE` hands over here.

#include <string>

namespace caudal::cluster {

/// Loads the node configuration from a Java-properties file (Kafka's names),
/// starts the actor system, the storage and the Kafka listener, and blocks
/// until SIGINT/SIGTERM. Returns the process exit code (0 after a clean stop).
int run_node(const std::string& config_path);

} // namespace caudal::cluster
