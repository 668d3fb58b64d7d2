#include "cmd/node_command.h"

#include <memory>

#include "cluster/node.h"
#include "cmd/cli_common.h"

namespace caudal::cmd {

void add_node_command(CLI::App& app, int& result) {
  auto config = std::make_shared<std::string>();
  auto* n = app.add_subcommand("node", "Run a Caudal broker node until SIGINT/SIGTERM");
  n->add_option("-c,--config", *config, "Node config file (Java properties, Kafka names)")
      ->required()
      ->check(CLI::ExistingFile);
  n->callback([config, &result] { result = caudal::cluster::run_node(*config); });
}

} // namespace caudal::cmd
