#include "cmd/cluster_options.h"

namespace caudal::cmd {
namespace {

void define_up(CLI::App& cluster, cluster_up_options& o, CLI::App*& out) {
  out = cluster.add_subcommand("up", "Start a local cluster of `caudal node` processes");
  out->add_option("-n,--nodes", o.nodes, "Number of nodes (1-100)")
      ->check(CLI::Range(1, max_cluster_nodes));
  out->add_option("-d,--dir", o.dir, "Directory for logs, pid files (and generated configs)")
      ->capture_default_str();
  auto* config_dir =
      out->add_option("--config-dir", o.config_dir, "Use nodeN.properties from this directory")
          ->check(CLI::ExistingDirectory);
  auto* base = out->add_option("--base-port", o.base_port,
                               "First client port of generated configs (inter-node: +100)")
                   ->check(CLI::Range(1, 65535))
                   ->capture_default_str();
  // Ports come from the given files, so a base port would silently do nothing.
  base->excludes(config_dir);
  out->add_option("--wait-ms", o.wait_ms, "How long each node may take to start listening")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void define_down(CLI::App& cluster, cluster_down_options& o, CLI::App*& out) {
  out = cluster.add_subcommand("down", "Stop the nodes started by `cluster up` (SIGTERM)");
  out->add_option("-d,--dir", o.dir, "Directory given to `cluster up`")->capture_default_str();
  out->add_option("--grace-ms", o.grace_ms, "SIGKILL nodes still running after this")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void define_status(CLI::App& cluster, cluster_status_options& o, CLI::App*& out) {
  out = cluster.add_subcommand(
      "status", "Nodes, controller, partition leaders/ISR, under-replicated and offline counts");
  out->add_option("-b,--bootstrap-server", o.bootstrap,
                  "host:port[,...] to ask (default: the global -X/--brokers)");
}

} // namespace

cluster_subcommands define_cluster_command(CLI::App& app, cluster_options& opts) {
  cluster_subcommands s;
  s.cluster = app.add_subcommand(
      "cluster", "Run a local cluster, inspect its health, rebalance and reassign replicas");
  s.cluster->require_subcommand(1);
  define_up(*s.cluster, opts.up, s.up);
  define_down(*s.cluster, opts.down, s.down);
  define_status(*s.cluster, opts.status, s.status);
  return s;
}

std::optional<std::string> check_up_options(const cluster_up_options& opts) {
  if (!opts.nodes && opts.config_dir.empty())
    return "give --nodes N (generate configs) or --config-dir DIR (use its nodeN.properties)";
  if (!opts.config_dir.empty()) return std::nullopt;
  int last = opts.base_port + inter_node_port_offset + *opts.nodes - 1;
  if (last > 65535)
    return "--base-port " + std::to_string(opts.base_port) + " leaves no room for " +
           std::to_string(*opts.nodes) + " nodes (inter-node ports end at " + std::to_string(last) +
           ")";
  return std::nullopt;
}

} // namespace caudal::cmd
