#pragma once
// Metadata records: the entries of the controller's Raft log
// ("__cluster_metadata/0"), in the spirit of KRaft's metadata records. Each
// record is one Kafka record inside an ordinary RecordBatch:
//   key   = int16 record type, int16 version (both big-endian)
//   value = the fields, big-endian, strings int16-length-prefixed, arrays
//           int32-count-prefixed (-1 = null), optionals as an int8 marker.
// Decoding is strict and bounded: any malformed input yields an error string,
// never an exception, a crash or an allocation larger than the input.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/messages_support.h"

namespace caudal::metadata {

using node_id = int32_t;
inline constexpr node_id no_leader = -1;
using protocol::uuid;

/// A node announcing itself (again, after a restart: a new incarnation).
struct register_node {
  node_id id = 0;
  uint64_t incarnation = 0;
  std::string host; // client listener
  uint16_t port = 0;
  std::string peer_host; // inter-node listener
  uint16_t peer_port = 0;
  std::optional<std::string> rack;
  bool operator==(const register_node&) const = default;
};
struct fence_node {
  node_id id = 0;
  bool operator==(const fence_node&) const = default;
};
struct unfence_node {
  node_id id = 0;
  bool operator==(const unfence_node&) const = default;
};
struct decommission_node {
  node_id id = 0;
  bool operator==(const decommission_node&) const = default;
};
struct topic_record {
  std::string name;
  uuid id{};
  bool internal = false;
  bool operator==(const topic_record&) const = default;
};
/// A partition's full state (creation, or replacement).
struct partition_record {
  uuid topic{};
  int32_t partition = 0;
  std::vector<node_id> replicas;
  node_id leader = no_leader;
  int32_t leader_epoch = 0;
  std::vector<node_id> isr;
  std::vector<node_id> adding;   // reassignment in progress: replicas being added
  std::vector<node_id> removing; // ... and being removed
  bool operator==(const partition_record&) const = default;
};
/// A delta on a partition: absent fields stay as they are; leader_epoch is
/// always the epoch the partition has after the change.
struct partition_change {
  uuid topic{};
  int32_t partition = 0;
  std::optional<node_id> leader; // no_leader allowed
  int32_t leader_epoch = 0;
  std::optional<std::vector<node_id>> isr;
  std::optional<std::vector<node_id>> replicas;
  std::optional<std::vector<node_id>> adding;
  std::optional<std::vector<node_id>> removing;
  bool operator==(const partition_change&) const = default;
};
/// Kafka's config resource types.
inline constexpr int8_t topic_resource = 2;
inline constexpr int8_t broker_resource = 4;
struct config_record {
  int8_t resource_type = topic_resource;
  std::string resource_name; // topic name; broker id as text, "" = cluster default
  std::string key;
  std::optional<std::string> value; // nullopt deletes the key
  bool operator==(const config_record&) const = default;
};
struct remove_topic {
  uuid id{};
  bool operator==(const remove_topic&) const = default;
};
/// The final replica list of a reassignment that moves more than one replica
/// (AlterPartitionReassignments with a whole new list): the controller moves
/// one replica at a time towards it, starting the next step when a leader
/// report completes the previous one. An empty target clears the goal.
struct reassignment_goal {
  uuid topic{};
  int32_t partition = 0;
  std::vector<node_id> target;
  bool operator==(const reassignment_goal&) const = default;
};

using record = std::variant<register_node, fence_node, unfence_node, decommission_node,
                            topic_record, partition_record, partition_change, config_record,
                            remove_topic, reassignment_goal>;

/// The int16 type carried in a record's key (stable on disk: never renumber).
enum class record_type : int16_t {
  register_node = 1,
  fence_node = 2,
  unfence_node = 3,
  decommission_node = 4,
  topic = 5,
  partition = 6,
  partition_change = 7,
  config = 8,
  remove_topic = 9,
  reassignment_goal = 10,
};
inline constexpr int16_t record_version = 0;

record_type type_of(const record& r);

/// A value, or an error message (empty error = success).
template <class T>
struct result {
  T value{};
  std::string error;
  bool ok() const { return error.empty(); }
};

/// The Kafka record key and value of one metadata record.
protocol::byte_buffer encode_key(const record& r);
protocol::byte_buffer encode_value(const record& r);
/// Decodes one record from its key and value; both must be present and be
/// consumed exactly.
result<record> decode_record(std::span<const uint8_t> key, std::span<const uint8_t> value);

/// One RecordBatch (uncompressed, base offset 0, epoch -1: the Raft leader
/// assigns both) holding `records` in order, every record stamped `timestamp_ms`.
protocol::byte_buffer encode_batch(const std::vector<record>& records, int64_t timestamp_ms);
/// Decodes every record of one or more whole batches; control batches (Raft
/// leader markers, transaction markers) are skipped. Fails on any malformed
/// batch or record.
result<std::vector<record>> decode_batch(std::span<const uint8_t> batches);

} // namespace caudal::metadata
