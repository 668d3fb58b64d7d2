#pragma once
// Runners of the elasticity commands (options: reassign_options.h). Each returns the
// process exit code (cli_common.h) and reports errors as `caudal: <command>: <message>`.

#include "cmd/cli_common.h"
#include "cmd/reassign_options.h"

namespace caudal::cmd {

int run_cluster_rebalance(const rebalance_options& opts, const global_options& global);
int run_cluster_reassignments(const reassignments_options& opts, const global_options& global);
int run_cluster_reassign(const reassign_options& opts, const global_options& global);
int run_cluster_elect_leaders(const elect_options& opts, const global_options& global);
int run_node_decommission(const decommission_options& opts, const global_options& global);

} // namespace caudal::cmd
