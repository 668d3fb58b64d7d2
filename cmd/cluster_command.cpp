#include "cmd/cluster_command.h"

#include <memory>

#include "cmd/cluster_options.h"
#include "cmd/cluster_processes.h"
#include "cmd/cluster_status.h"

namespace caudal::cmd {

void add_cluster_command(CLI::App& app, const global_options& global, int& result) {
  // Shared so the options outlive this function: CLI11 writes into them during parse().
  auto opts = std::make_shared<cluster_options>();
  auto sub = define_cluster_command(app, *opts);
  sub.up->callback([opts, &result] { result = run_cluster_up(opts->up); });
  sub.down->callback([opts, &result] { result = run_cluster_down(opts->down); });
  sub.status->callback(
      [opts, &global, &result] { result = run_cluster_status(opts->status, global); });
}

} // namespace caudal::cmd
