#include "cmd/elastic_command.h"

#include <memory>

#include "cmd/reassign_commands.h"
#include "cmd/reassign_options.h"

namespace caudal::cmd {

void add_elastic_commands(CLI::App& cluster, CLI::App& node, const global_options& global,
                          int& result) {
  // Shared so the options outlive this function: CLI11 writes into them during parse().
  auto o = std::make_shared<elastic_options>();
  auto sub = define_elastic_commands(cluster, node, *o);
  sub.rebalance->callback(
      [o, &global, &result] { result = run_cluster_rebalance(o->rebalance, global); });
  sub.reassignments->callback(
      [o, &global, &result] { result = run_cluster_reassignments(o->reassignments, global); });
  sub.reassign->callback(
      [o, &global, &result] { result = run_cluster_reassign(o->reassign, global); });
  sub.elect->callback(
      [o, &global, &result] { result = run_cluster_elect_leaders(o->elect, global); });
  sub.decommission->callback(
      [o, &global, &result] { result = run_node_decommission(o->decommission, global); });
}

} // namespace caudal::cmd
