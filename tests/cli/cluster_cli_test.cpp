// `caudal cluster ...`: option parsing, generated node configs (read back with the node's
// own parser), health classification and the status output for a single node.
#define BOOST_TEST_MODULE cluster_cli
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cluster/node_config.h"
#include "cmd/cluster_config.h"
#include "cmd/cluster_options.h"
#include "cmd/cluster_pids.h"
#include "cmd/cluster_status.h"

using namespace caudal::cmd;

namespace {

// Parses `line` (without the program name) like main() would, without running anything.
struct parsed {
  cluster_options opts;
  std::string error; // the CLI11 error name, empty when the line parsed
};

parsed parse(const std::string& line) {
  parsed out;
  CLI::App app;
  define_cluster_command(app, out.opts);
  try {
    app.parse(line, false);
  } catch (const CLI::ParseError& e) {
    out.error = e.get_name();
  }
  return out;
}

partition_info partition(int32_t id, int32_t leader, std::vector<int32_t> replicas,
                         std::vector<int32_t> isr) {
  partition_info p;
  p.id = id;
  p.leader = leader;
  p.replicas = std::move(replicas);
  p.isrs = std::move(isr);
  return p;
}

} // namespace

BOOST_AUTO_TEST_CASE(up_options_parse) {
  auto p = parse("cluster up --nodes 3 --dir /tmp/c --base-port 30000 --wait-ms 500");
  BOOST_TEST(p.error == "");
  BOOST_TEST(*p.opts.up.nodes == 3);
  BOOST_TEST(p.opts.up.dir == "/tmp/c");
  BOOST_TEST(p.opts.up.base_port == 30000);
  BOOST_TEST(p.opts.up.wait_ms == 500);
  BOOST_TEST(!check_up_options(p.opts.up).has_value());
  auto defaults = parse("cluster up -n 1");
  BOOST_TEST(defaults.opts.up.dir == "data/cluster");
  BOOST_TEST(defaults.opts.up.base_port == 29092);
  BOOST_TEST(defaults.opts.up.config_dir.empty());
}

BOOST_AUTO_TEST_CASE(up_options_reject_bad_values) {
  BOOST_TEST(parse("cluster up --nodes 0").error == "ValidationError");
  BOOST_TEST(parse("cluster up --nodes 101").error == "ValidationError");
  BOOST_TEST(parse("cluster up --nodes x").error != "");
  BOOST_TEST(parse("cluster up --base-port 70000 -n 1").error == "ValidationError");
  BOOST_TEST(parse("cluster up --config-dir /definitely/not/here").error == "ValidationError");
  // Ports come from the given files: a base port next to --config-dir is a mistake.
  BOOST_TEST(parse("cluster up --config-dir . --base-port 30000").error == "ExcludesError");
  BOOST_TEST(parse("cluster").error == "RequiredError");
  BOOST_TEST(parse("cluster sideways").error != "");
}

BOOST_AUTO_TEST_CASE(up_needs_a_node_count_and_room_for_ports) {
  auto none = parse("cluster up");
  BOOST_TEST(none.error == "");
  BOOST_TEST(check_up_options(none.opts.up).has_value());
  BOOST_TEST(!check_up_options(parse("cluster up --config-dir .").opts.up).has_value());
  BOOST_TEST(check_up_options(parse("cluster up -n 3 --base-port 65434").opts.up).has_value());
  BOOST_TEST(!check_up_options(parse("cluster up -n 3 --base-port 65433").opts.up).has_value());
}

BOOST_AUTO_TEST_CASE(down_and_status_options_parse) {
  auto d = parse("cluster down --dir x --grace-ms 250");
  BOOST_TEST(d.error == "");
  BOOST_TEST(d.opts.down.dir == "x");
  BOOST_TEST(d.opts.down.grace_ms == 250);
  BOOST_TEST(parse("cluster down --grace-ms -1").error == "ValidationError");
  auto s = parse("cluster status -b 127.0.0.1:29093");
  BOOST_TEST(s.error == "");
  BOOST_TEST(s.opts.status.bootstrap == "127.0.0.1:29093");
  BOOST_TEST(parse("cluster status").opts.status.bootstrap == "");
}

BOOST_AUTO_TEST_CASE(generated_configs_read_back_as_a_cluster) {
  cluster_layout layout;
  layout.nodes = 3;
  layout.base_port = 31000;
  layout.data_dir = "/srv/c";
  auto nodes = generate_node_configs(layout);
  BOOST_REQUIRE(nodes.size() == 3u);
  BOOST_TEST(bootstrap_servers(nodes) == "127.0.0.1:31000,127.0.0.1:31001,127.0.0.1:31002");
  for (int32_t i = 0; i < 3; ++i) {
    BOOST_TEST(nodes[i].file_name == "node" + std::to_string(i + 1) + ".properties");
    caudal::cluster::config_error err;
    auto cfg = caudal::cluster::parse_node_config(nodes[i].properties, err);
    BOOST_REQUIRE_MESSAGE(cfg.has_value(), err.message);
    BOOST_TEST(cfg->node_id == i + 1);
    BOOST_TEST(cfg->listener.port == 31000 + i);
    BOOST_TEST(cfg->advertised.port == 31000 + i);
    BOOST_TEST(cfg->log_dir == "/srv/c/node" + std::to_string(i + 1));
    BOOST_TEST(cfg->default_replication_factor == 3);
    BOOST_TEST(cfg->topic_defaults.at("min.insync.replicas") == "2");
    BOOST_REQUIRE(cfg->cluster.has_value());
    BOOST_TEST(cfg->cluster->inter_node.port == 31100 + i);
    BOOST_TEST(*cfg->cluster->rack == rack_name(i + 1));
    BOOST_REQUIRE(cfg->cluster->voters.size() == 3u);
    BOOST_TEST(cfg->cluster->voters[2].id == 3);
    BOOST_TEST(cfg->cluster->voters[2].port == 31102);
  }
}

BOOST_AUTO_TEST_CASE(small_clusters_get_smaller_replication) {
  cluster_layout layout;
  layout.nodes = 1;
  layout.data_dir = "d";
  caudal::cluster::config_error err;
  auto cfg = caudal::cluster::parse_node_config(generate_node_configs(layout)[0].properties, err);
  BOOST_REQUIRE(cfg.has_value());
  BOOST_TEST(cfg->default_replication_factor == 1);
  BOOST_TEST(cfg->topic_defaults.at("min.insync.replicas") == "1");
  BOOST_TEST(rack_name(1) == "rack-a");
  BOOST_TEST(rack_name(26) == "rack-z");
  BOOST_TEST(rack_name(27) == "rack-27");
}

BOOST_AUTO_TEST_CASE(partition_health_classes) {
  BOOST_TEST((classify(partition(0, 1, {1, 2, 3}, {1, 2, 3})) == partition_health::healthy));
  BOOST_TEST((classify(partition(0, 1, {1, 2, 3}, {1, 2})) == partition_health::under_replicated));
  BOOST_TEST((classify(partition(0, -1, {1, 2, 3}, {})) == partition_health::offline));
  auto no_leader = partition(0, 2, {2}, {2});
  no_leader.err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
  BOOST_TEST((classify(no_leader) == partition_health::offline));
  cluster_info info;
  info.topics.push_back({"a",
                         RD_KAFKA_RESP_ERR_NO_ERROR,
                         {partition(0, 1, {1, 2}, {1}), partition(1, -1, {2, 3}, {})}});
  auto counts = count_health(info);
  BOOST_TEST(counts.partitions == 2);
  BOOST_TEST(counts.under_replicated == 1);
  BOOST_TEST(counts.offline == 1);
  BOOST_TEST(status_exit_code(counts) == 1);
  counts.offline = 0;
  BOOST_TEST(status_exit_code(counts) == 0); // under-replicated still serves
  counts.topic_errors = 1;
  BOOST_TEST(status_exit_code(counts) == 1);
}

BOOST_AUTO_TEST_CASE(status_of_a_single_node) {
  status_report r;
  r.cluster_id = "c1";
  r.controller_id = 1;
  r.metadata.brokers.push_back({1, "127.0.0.1", 9092});
  r.metadata.topics.push_back({"orders",
                               RD_KAFKA_RESP_ERR_NO_ERROR,
                               {partition(0, 1, {1}, {1}), partition(1, 1, {1}, {1})}});
  std::ostringstream out;
  print_status(out, r);
  BOOST_TEST(out.str() == "CLUSTER     c1\n"
                          "CONTROLLER  1\n"
                          "NODES       1\n"
                          "\n"
                          "NODE  ADDRESS         RACK  STATE\n"
                          "1     127.0.0.1:9092  -     up, controller\n"
                          "\n"
                          "TOPIC   PARTITION  LEADER  REPLICAS  ISR  STATUS\n"
                          "orders  0          1       1         1    ok\n"
                          "orders  1          1       1         1    ok\n"
                          "\n"
                          "PARTITIONS        2\n"
                          "UNDER-REPLICATED  0\n"
                          "OFFLINE           0\n"
                          "TOPIC-ERRORS      0\n");
}

BOOST_AUTO_TEST_CASE(status_marks_nodes_missing_from_metadata) {
  status_report r;
  r.controller_id = 2;
  r.metadata.brokers.push_back({2, "h", 2});
  r.metadata.brokers.push_back({1, "h", 1});
  r.racks[1] = "rack-a";
  r.metadata.topics.push_back({"t", RD_KAFKA_RESP_ERR_NO_ERROR, {partition(0, -1, {3, 1, 2}, {})}});
  r.metadata.topics.push_back({"u", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, {}});
  std::ostringstream out;
  print_status(out, r);
  auto text = out.str();
  BOOST_TEST(text.find("1     h:1      rack-a  up\n") != std::string::npos, text);
  BOOST_TEST(text.find("2     h:2      -       up, controller\n") != std::string::npos, text);
  BOOST_TEST(text.find("3     -        -       down\n") != std::string::npos, text);
  BOOST_TEST(text.find("t      0          none    3,1,2     ") != std::string::npos, text);
  BOOST_TEST(text.find("offline") != std::string::npos, text);
  BOOST_TEST(text.find("u      -          -       -         -    UNKNOWN_TOPIC_OR_PART") !=
                 std::string::npos,
             text);
}

BOOST_AUTO_TEST_CASE(pid_files_and_node_numbers) {
  BOOST_TEST(*node_number("node12.pid", ".pid") == 12);
  BOOST_TEST(!node_number("node.pid", ".pid").has_value());
  BOOST_TEST(!node_number("nodex.pid", ".pid").has_value());
  BOOST_TEST(!node_number("node1.properties", ".pid").has_value());
  BOOST_TEST(*node_number("node3.properties", ".properties") == 3);
  auto dir =
      std::filesystem::temp_directory_path() / ("caudal-cluster-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // Only pids that are certainly not nodes: stop_nodes below must signal nothing.
  BOOST_TEST(write_pid_file(pid_file_path(dir, 2), ::getppid(), "/c/node2.properties"));
  BOOST_TEST(write_pid_file(pid_file_path(dir, 1), ::getpid(), ""));
  std::ofstream{pid_file_path(dir, 3)} << "garbage\n";
  auto entries = read_pid_files(dir);
  BOOST_REQUIRE(entries.size() == 3u);
  BOOST_TEST(entries[0].node == 1);
  BOOST_TEST(entries[1].pid == ::getppid());
  BOOST_TEST(entries[1].config == "/c/node2.properties");
  BOOST_TEST(entries[2].pid == -1);
  // This test binary is not `caudal node --config ...`: it must never be signalled.
  BOOST_TEST(!is_node_process(::getpid()));
  BOOST_TEST(!is_node_process(-1));
  auto outcomes = stop_nodes(entries, 0);
  BOOST_TEST((outcomes[0] == stop_outcome::not_running));
  BOOST_TEST(read_pid_files(dir).empty());
  std::filesystem::remove_all(dir);
}
