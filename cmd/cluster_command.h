#pragma once
// `caudal cluster up|down|status`: run a local cluster of node processes and show a
// cluster's health.

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"

namespace caudal::cmd {

/// Registers `cluster` and its subcommands on `app`; the chosen one runs within CLI11's
/// parse() and stores its exit code in `result`.
void add_cluster_command(CLI::App& app, const global_options& global, int& result);

} // namespace caudal::cmd
