#pragma once
// `caudal group ...`: list, describe (members, committed offsets, lag), reset offsets and
// delete consumer groups, through librdkafka's admin API.

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"

namespace caudal::cmd {

/// Registers `group` and its subcommands on `app`. The chosen subcommand runs from
/// within CLI11's parse() and stores its exit code in `result`.
void add_group_command(CLI::App& app, const global_options& global, int& result);

} // namespace caudal::cmd
