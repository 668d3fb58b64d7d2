#pragma once
// Registers the elasticity commands: `caudal cluster rebalance|reassignments|reassign|
// elect-leaders` and `caudal node decommission` (raw Kafka protocol through wire_client.h,
// because librdkafka 2.0.2 has no admin call for these APIs).

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"

namespace caudal::cmd {

/// Adds the subcommands to the existing `cluster` and `node` apps; the chosen one runs
/// within CLI11's parse() and stores its exit code in `result`.
void add_elastic_commands(CLI::App& cluster, CLI::App& node, const global_options& global,
                          int& result);

} // namespace caudal::cmd
