#pragma once
// `caudal cluster up` / `caudal cluster down`: a local cluster as detached `caudal node`
// child processes, one log file (nodeN.log) and one pid file (nodeN.pid) per node in the
// cluster directory.

#include "cmd/cluster_options.h"

namespace caudal::cmd {

/// Starts one `caudal node --config F` per config (generated into opts.dir, or the
/// nodeN.properties of opts.config_dir), waits until every node accepts connections on its
/// client listener (and, in cluster mode, until Metadata lists every node) and prints the
/// bootstrap servers. On a failed start the nodes started so
/// far are stopped again. Returns an exit code.
int run_cluster_up(const cluster_up_options& opts);

/// SIGTERMs every node with a pid file in opts.dir, SIGKILLs those still running after
/// opts.grace_ms, removes the pid files. Returns an exit code: 1 when a node had to be
/// SIGKILLed (it did not shut down cleanly).
int run_cluster_down(const cluster_down_options& opts);

} // namespace caudal::cmd
