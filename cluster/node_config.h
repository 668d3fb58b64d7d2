#pragma once
// Node configuration with Kafka's property names, parsed from a
// Java-properties file. Unknown keys are kept (and logged) so operators can
// reuse Kafka files; malformed values are errors naming the key.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace caudal::cluster {

struct endpoint {
  std::string listener_name = "PLAINTEXT";
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
};

/// One member of controller.quorum.voters: "id@host:port", where host:port
/// is that node's inter-node (controller) listener.
struct voter {
  int32_t id = -1;
  std::string host;
  uint16_t port = 0;
};

/// Cluster mode: set when controller.quorum.voters is (see docs/operations.md).
struct cluster_settings {
  std::vector<voter> voters;
  endpoint inter_node;                           // the listener named by controller.listener.names
  std::optional<std::string> rack;               // broker.rack
  int64_t election_timeout_ms = 1500;            // replication.election.timeout.ms (partitions)
  int64_t controller_election_timeout_ms = 1000; // controller.quorum.election.timeout.ms
  int64_t fetch_wait_ms = 500;                   // replica.fetch.wait.max.ms
  bool flush_before_ack = true;                  // replication.flush.before.ack
  // metadata.log.max.record.bytes.between.snapshots (Kafka's default, 20 MiB)
  int64_t metadata_snapshot_bytes = 20 * 1024 * 1024;
};

struct node_config {
  int32_t node_id = 1;
  endpoint listener;
  endpoint advertised;
  std::optional<cluster_settings> cluster; // absent: a single node
  std::string log_dir = "./data";
  std::string cluster_id; // empty: generated on first start and stored

  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool auto_create_topics = true;
  int64_t retention_check_interval_ms = 300000;
  int64_t producer_id_expiration_ms = 86400000;

  int32_t socket_request_max_bytes = 104857600;
  int64_t queued_max_request_bytes = 67108864;
  int32_t network_threads = 2;
  /// listener.impl: "asio" (Boost.Asio, the default) or "caf" (CAF io brokers,
  /// kept for comparison; see docs/architecture.md).
  std::string listener_impl = "asio";
  int32_t fetch_max_bytes = 57671680;      // Kafka's broker fetch.max.bytes
  int32_t test_drop_produce_responses = 0; // fault injection for tests (docs/operations.md)

  /// Broker-level topic defaults under their topic-config names
  /// (log.retention.ms -> retention.ms, ...), handed to new topics.
  std::map<std::string, std::string> topic_defaults;
  /// Every key=value as read, for diagnostics.
  std::map<std::string, std::string> raw;
};

struct config_error {
  std::string message;
};

/// Parses properties text. Returns the config or an error naming the bad key.
std::optional<node_config> parse_node_config(const std::string& text, config_error& err);
std::optional<node_config> load_node_config(const std::string& path, config_error& err);
/// The first listener of a comma-separated `listeners` value, or the one
/// named `name` when given.
std::optional<endpoint> parse_listener(const std::string& value, const std::string& name = {});
/// "1@host:port,2@host:port"; nullopt (with `err`) when malformed.
std::optional<std::vector<voter>> parse_voters(const std::string& value, config_error& err);

} // namespace caudal::cluster
