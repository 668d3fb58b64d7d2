#pragma once
// Options of `caudal cluster up|down|status`, defined apart from what the subcommands do so
// that tests can parse command lines without starting or stopping any process.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace caudal::cmd {

struct cluster_up_options {
  std::optional<int> nodes; ///< --nodes; with --config-dir it must match the files found
  std::string dir = "data/cluster";
  int base_port = 29092;  ///< client ports base.., inter-node ports base+100..
  std::string config_dir; ///< empty: generate configs into `dir`
  int wait_ms = 30000;    ///< how long each node may take to accept connections
};

struct cluster_down_options {
  std::string dir = "data/cluster";
  int grace_ms = 15000; ///< SIGTERM, then SIGKILL whatever still runs after this
};

struct cluster_status_options {
  std::string bootstrap; ///< -b; overrides the global -X when given
};

struct cluster_options {
  cluster_up_options up;
  cluster_down_options down;
  cluster_status_options status;
};

struct cluster_subcommands {
  CLI::App* cluster = nullptr;
  CLI::App* up = nullptr;
  CLI::App* down = nullptr;
  CLI::App* status = nullptr;
};

/// Client ports and inter-node ports are `base` and `base + 100`: at most this many nodes
/// fit before the two ranges would overlap.
inline constexpr int max_cluster_nodes = 100;
inline constexpr int inter_node_port_offset = 100;

/// Defines `cluster` with `up`, `down` and `status` on `app`, storing into `opts` (which
/// must outlive `app`). No callbacks are attached.
cluster_subcommands define_cluster_command(CLI::App& app, cluster_options& opts);

/// Checks what CLI11 cannot express alone: the port range of generated configs, and that
/// either --nodes or --config-dir says how many nodes to start. Returns the usage error.
std::optional<std::string> check_up_options(const cluster_up_options& opts);

} // namespace caudal::cmd
