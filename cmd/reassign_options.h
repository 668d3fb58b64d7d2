#pragma once
// Options of the elasticity commands: `caudal cluster rebalance|reassignments|reassign|
// elect-leaders` and `caudal node decommission`, defined apart from what they do so tests
// can parse command lines without a cluster.

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace caudal::cmd {

struct rebalance_options {
  bool dry_run = false;
  bool wait = false;
  bool no_elect = false; ///< with --wait: skip the preferred leader election at the end
  std::vector<std::string> topics;
  int wait_timeout_ms = 600000;
  int poll_ms = 1000;
};

struct reassignments_options {
  std::vector<std::string> topics;
};

struct reassign_options {
  std::string topic;
  int partition = -1;
  std::string replicas; ///< "1,2,4"
  bool cancel = false;
};

struct elect_options {
  std::string topic;
  std::optional<int> partition;
};

struct decommission_options {
  int id = -1;
  bool wait = false;
  int wait_timeout_ms = 600000;
  int poll_ms = 1000;
};

struct elastic_options {
  rebalance_options rebalance;
  reassignments_options reassignments;
  reassign_options reassign;
  elect_options elect;
  decommission_options decommission;
};

struct elastic_subcommands {
  CLI::App* rebalance = nullptr;
  CLI::App* reassignments = nullptr;
  CLI::App* reassign = nullptr;
  CLI::App* elect = nullptr;
  CLI::App* decommission = nullptr;
};

/// Adds rebalance, reassignments, reassign and elect-leaders to `cluster` and decommission
/// to `node`, storing into `opts` (which must outlive the apps). No callbacks attached.
elastic_subcommands define_elastic_commands(CLI::App& cluster, CLI::App& node,
                                            elastic_options& opts);

/// What CLI11 cannot check alone: exactly one of --replicas/--cancel, a valid list.
std::optional<std::string> check_reassign_options(const reassign_options& opts);

} // namespace caudal::cmd
