#include "cmd/reassign_options.h"

#include "cmd/reassign_plan.h"

namespace caudal::cmd {
namespace {

void define_wait_options(CLI::App& sub, int& wait_timeout_ms, int& poll_ms) {
  sub.add_option("--wait-timeout-ms", wait_timeout_ms, "Give up waiting after this long")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub.add_option("--poll-ms", poll_ms, "How often --wait polls the cluster")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
}

CLI::App* define_rebalance(CLI::App& cluster, rebalance_options& o) {
  auto* sub = cluster.add_subcommand(
      "rebalance", "Spread every partition's replicas and preferred leaders evenly over the "
                   "live nodes (AlterPartitionReassignments)");
  sub->add_flag("--dry-run", o.dry_run, "Print the plan, change nothing");
  sub->add_flag("--wait", o.wait,
                "Wait until every move completed (further rounds included), then elect "
                "preferred leaders of the moved partitions");
  sub->add_flag("--no-elect-leaders", o.no_elect, "With --wait: skip the leader election");
  sub->add_option("-t,--topic", o.topics, "Only these topics (repeatable; default: all)");
  define_wait_options(*sub, o.wait_timeout_ms, o.poll_ms);
  return sub;
}

CLI::App* define_reassignments(CLI::App& cluster, reassignments_options& o) {
  auto* sub = cluster.add_subcommand("reassignments",
                                     "List reassignments in progress (ListPartitionReassignments)");
  sub->add_option("-t,--topic", o.topics, "Only these topics (repeatable; default: all)");
  return sub;
}

CLI::App* define_reassign(CLI::App& cluster, reassign_options& o) {
  auto* sub = cluster.add_subcommand(
      "reassign", "Move one partition to a replica list, or cancel its pending move");
  sub->add_option("-t,--topic", o.topic, "Topic")->required();
  sub->add_option("-p,--partition", o.partition, "Partition")
      ->required()
      ->check(CLI::NonNegativeNumber);
  auto* replicas = sub->add_option("--replicas", o.replicas,
                                   "Target replicas, preferred leader first, e.g. 1,2,4 (at most "
                                   "one added and one removed per move)");
  auto* cancel = sub->add_flag("--cancel", o.cancel, "Cancel the partition's pending move");
  replicas->excludes(cancel);
  return sub;
}

CLI::App* define_elect(CLI::App& cluster, elect_options& o) {
  auto* sub = cluster.add_subcommand(
      "elect-leaders", "Move leadership to each partition's preferred (first) replica");
  auto* topic = sub->add_option("-t,--topic", o.topic, "Only this topic (default: all)");
  sub->add_option("-p,--partition", o.partition, "Only this partition (needs --topic)")
      ->check(CLI::NonNegativeNumber)
      ->needs(topic);
  return sub;
}

CLI::App* define_decommission(CLI::App& node, decommission_options& o) {
  auto* sub = node.add_subcommand(
      "decommission", "Drain a node: move its leadership, then its replicas, to the other "
                      "nodes (UnregisterBroker)");
  sub->add_option("id", o.id, "Node id")->required()->check(CLI::NonNegativeNumber);
  sub->add_flag("--wait", o.wait, "Wait until the node holds no replica and leads nothing");
  define_wait_options(*sub, o.wait_timeout_ms, o.poll_ms);
  return sub;
}

} // namespace

elastic_subcommands define_elastic_commands(CLI::App& cluster, CLI::App& node,
                                            elastic_options& opts) {
  elastic_subcommands s;
  s.rebalance = define_rebalance(cluster, opts.rebalance);
  s.reassignments = define_reassignments(cluster, opts.reassignments);
  s.reassign = define_reassign(cluster, opts.reassign);
  s.elect = define_elect(cluster, opts.elect);
  s.decommission = define_decommission(node, opts.decommission);
  return s;
}

std::optional<std::string> check_reassign_options(const reassign_options& opts) {
  if (opts.cancel) return std::nullopt;
  if (opts.replicas.empty()) return "give --replicas LIST (e.g. 1,2,4) or --cancel";
  if (!parse_replica_list(opts.replicas))
    return "--replicas: '" + opts.replicas + "' is not a list of distinct node ids (e.g. 1,2,4)";
  return std::nullopt;
}

} // namespace caudal::cmd
