// `caudal`: the broker node and its command-line client, in the spirit of Redpanda's rpk.

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/cli_common.h"
#include "cmd/cluster_command.h"
#include "cmd/consume.h"
#include "cmd/elastic_command.h"
#include "cmd/group.h"
#include "cmd/node_command.h"
#include "cmd/produce.h"
#include "cmd/topic.h"

int main(int argc, char** argv) {
  using namespace caudal::cmd;
  CLI::App app{"Caudal: a Kafka-compatible event-streaming broker and its client"};
  app.require_subcommand(1);
  global_options global;
  app.add_option("-X,--brokers", global.brokers, "Comma-separated host:port list")
      ->envname("CAUDAL_BROKERS")
      ->capture_default_str();
  app.add_option("--timeout-ms", global.timeout_ms, "Timeout of each client request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--debug", global.debug, "Show librdkafka's log lines on stderr");
  app.fallthrough(); // global flags may also follow the subcommand

  int result = exit_ok;
  add_node_command(app, result);
  add_topic_command(app, global, result);
  add_produce_command(app, global, result);
  add_consume_command(app, global, result);
  add_group_command(app, global, result);
  add_cluster_command(app, global, result);
  add_elastic_commands(*app.get_subcommand("cluster"), *app.get_subcommand("node"), global, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  return result;
}
