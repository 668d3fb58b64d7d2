#pragma once
// Node configs that `caudal cluster up --nodes N` writes when no config directory is given:
// N voters on one host, each with a client and an inter-node listener and its own rack.

#include <cstdint>
#include <string>
#include <vector>

namespace caudal::cmd {

struct cluster_layout {
  int nodes = 3;
  std::string host = "127.0.0.1";
  int base_port = 29092;       ///< node N's client port is base_port + N - 1
  int inter_node_offset = 100; ///< node N's inter-node port is its client port + this
  std::string data_dir;        ///< node N keeps its data in data_dir/nodeN
};

struct generated_node {
  int32_t id = 0;
  std::string file_name;  ///< "nodeN.properties"
  std::string bootstrap;  ///< host:client_port
  std::string properties; ///< the file's text (Kafka property names)
};

/// "rack-a".."rack-z" for nodes 1..26, then "rack-<id>": distinct racks make placement
/// spread every partition's replicas over distinct nodes.
std::string rack_name(int32_t id);

/// The configs of every node of `layout`, in node-id order (ids 1..nodes). Topic defaults
/// follow the cluster size: replication factor min(3, nodes), min.insync.replicas 2 when
/// there are at least 3 replicas (acks=all survives one node down), else 1.
std::vector<generated_node> generate_node_configs(const cluster_layout& layout);

/// Comma-separated bootstrap servers of `nodes`.
std::string bootstrap_servers(const std::vector<generated_node>& nodes);

} // namespace caudal::cmd
