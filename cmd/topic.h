#pragma once
// `caudal topic ...`: create, list, describe, delete topics and change their configs,
// through librdkafka's admin API.

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"

namespace caudal::cmd {

/// Registers `topic` and its subcommands on `app`. The chosen subcommand runs from
/// within CLI11's parse() and stores its exit code in `result`.
void add_topic_command(CLI::App& app, const global_options& global, int& result);

} // namespace caudal::cmd
