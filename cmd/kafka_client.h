#pragma once
// RAII wrappers around librdkafka's C API, shared by the `caudal` client subcommands.
// Every librdkafka object that must be destroyed gets a unique_ptr with its destroy
// function, so error paths (which are most paths in a CLI) cannot leak or double-free.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/cli_common.h"

namespace caudal::cmd {

template <auto Fn>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) Fn(p);
  }
};

using conf_ptr = std::unique_ptr<rd_kafka_conf_t, deleter<rd_kafka_conf_destroy>>;
using handle_ptr = std::unique_ptr<rd_kafka_t, deleter<rd_kafka_destroy>>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, deleter<rd_kafka_queue_destroy>>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, deleter<rd_kafka_event_destroy>>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, deleter<rd_kafka_message_destroy>>;
using admin_options_ptr =
    std::unique_ptr<rd_kafka_AdminOptions_t, deleter<rd_kafka_AdminOptions_destroy>>;
using new_topic_ptr = std::unique_ptr<rd_kafka_NewTopic_t, deleter<rd_kafka_NewTopic_destroy>>;
using delete_topic_ptr =
    std::unique_ptr<rd_kafka_DeleteTopic_t, deleter<rd_kafka_DeleteTopic_destroy>>;
using new_partitions_ptr =
    std::unique_ptr<rd_kafka_NewPartitions_t, deleter<rd_kafka_NewPartitions_destroy>>;
using config_resource_ptr =
    std::unique_ptr<rd_kafka_ConfigResource_t, deleter<rd_kafka_ConfigResource_destroy>>;
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                           deleter<rd_kafka_topic_partition_list_destroy>>;
using headers_ptr = std::unique_ptr<rd_kafka_headers_t, deleter<rd_kafka_headers_destroy>>;

/// A failure of a client operation, already phrased for the user.
struct client_error {
  std::string message;
};

/// Builds a configuration with the global options applied plus `extra` properties.
/// Invalid properties are reported in `err` (and nullptr returned).
conf_ptr make_conf(const global_options& global, const std::map<std::string, std::string>& extra,
                   client_error& err);

/// Creates a producer or consumer handle; takes ownership of `conf` on success.
handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf, client_error& err);

/// One partition as reported by Metadata.
struct partition_info {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isrs;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

struct topic_info {
  std::string name;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::vector<partition_info> partitions;
};

struct broker_info {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct cluster_info {
  std::vector<broker_info> brokers;
  std::vector<topic_info> topics;
  int32_t answered_by = -1; ///< id of the broker that answered the request
};

/// Fetches metadata for all topics. Asking for all topics (rather than one) never
/// triggers broker-side auto-creation, so `describe` of a missing topic stays missing.
std::optional<cluster_info> fetch_metadata(rd_kafka_t* rk, const global_options& global,
                                           client_error& err);

/// Finds `name` in `info`, or reports UNKNOWN_TOPIC_OR_PARTITION in `err`.
const topic_info* find_topic(const cluster_info& info, const std::string& name, client_error& err);

/// Admin options with request and operation timeouts set.
admin_options_ptr make_admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                     const global_options& global);

/// Waits for the result event of an admin call posted to `queue`; reports a timeout or
/// request-level error in `err` (and returns nullptr).
event_ptr wait_admin_result(rd_kafka_queue_t* queue, const global_options& global,
                            client_error& err);

/// "NAME: message" for a broker or client error code, e.g. "TOPIC_ALREADY_EXISTS: ...".
std::string describe_error(rd_kafka_resp_err_t code, const char* message);

} // namespace caudal::cmd
