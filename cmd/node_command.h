#pragma once
// `caudal node --config FILE`: runs a broker node in this process.

#include <CLI/CLI.hpp>

namespace caudal::cmd {

/// Registers `node` on `app`; the node's exit code lands in `result`.
void add_node_command(CLI::App& app, int& result);

} // namespace caudal::cmd
