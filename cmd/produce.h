#pragma once
// `caudal produce TOPIC`: one record per stdin line, through a librdkafka producer.

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"

namespace caudal::cmd {

/// Registers `produce` on `app`; its exit code lands in `result`.
void add_produce_command(CLI::App& app, const global_options& global, int& result);

} // namespace caudal::cmd
