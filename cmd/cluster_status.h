#pragma once
// `caudal cluster status`: a cluster's health from the Kafka protocol (Metadata for nodes,
// controller and partition leader/replicas/ISR; DescribeConfigs BROKER for racks, because
// librdkafka 2.0.2's metadata API does not expose the rack).

#include <iosfwd>
#include <map>
#include <string>

#include "cmd/cli_common.h"
#include "cmd/cluster_options.h"
#include "cmd/kafka_client.h"

namespace caudal::cmd {

enum class partition_health { healthy, under_replicated, offline };

/// Offline: no leader. Under-replicated: a leader, but fewer in-sync replicas than replicas.
partition_health classify(const partition_info& p);

struct health_counts {
  int partitions = 0;
  int under_replicated = 0;
  int offline = 0;
  int topic_errors = 0; ///< topics the cluster reported with an error (no partitions known)
};

health_counts count_health(const cluster_info& info);

/// 0 when every partition has a leader and every topic is known, else 1.
int status_exit_code(const health_counts& counts);

struct status_report {
  std::string cluster_id;
  int32_t controller_id = -1;
  cluster_info metadata;
  std::map<int32_t, std::string> racks; ///< by node id; missing: the node reports none
};

/// Prints the report: header, nodes table (with nodes that replicas name but Metadata
/// does not list marked down), partitions table and the health counts.
void print_status(std::ostream& out, const status_report& report);

/// Runs the subcommand: gathers the report from the cluster and prints it.
int run_cluster_status(const cluster_status_options& opts, const global_options& global);

} // namespace caudal::cmd
