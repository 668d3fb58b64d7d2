#include "cmd/node_command.h"

#include <memory>

#include "cluster/node.h"
#include "cmd/cli_common.h"

namespace caudal::cmd {

void add_node_command(CLI::App& app, int& result) {
  auto config = std::make_shared<std::string>();
  auto* n = app.add_subcommand(
      "node", "Run a Caudal broker node until SIGINT/SIGTERM (or: node decommission ID)");
  n->add_option("-c,--config", *config, "Node config file (Java properties, Kafka names)")
      ->check(CLI::ExistingFile);
  n->callback([config, n, &result] {
    // CLI11 runs a chosen client subcommand (decommission) first; the node runs only
    // without one, and then --config is required.
    if (!n->get_subcommands().empty()) return;
    if (config->empty()) throw CLI::RequiredError("--config");
    result = caudal::cluster::run_node(*config);
  });
}

} // namespace caudal::cmd
