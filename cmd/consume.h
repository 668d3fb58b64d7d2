#pragma once
// `caudal consume TOPIC`: reads records with a librdkafka consumer that assigns
// partitions itself (no consumer group) and prints them by a format string or as JSON.

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"

namespace caudal::cmd {

/// Registers `consume` on `app`; its exit code lands in `result`.
void add_consume_command(CLI::App& app, const global_options& global, int& result);

} // namespace caudal::cmd
