#pragma once
// Where a group lives and how its committed offsets are written to the
// internal `__consumer_offsets` topic.
//
// Placement: partition = (java String.hashCode(group id) & 0x7fffffff) % N,
// Kafka's rule (the hash runs over the id's bytes, which equals Java's for
// ASCII ids), so a group moves with its `__consumer_offsets` partition.
//
// Records use Kafka's OffsetCommit layout, so Kafka's tools can read them:
//   key   = int16 version 1, string group, string topic, int32 partition
//   value = int16 version 3, int64 offset, int32 leader epoch,
//           string metadata, int64 commit timestamp ms
//   a null value (tombstone) deletes the offset (OffsetDelete, DeleteGroups).
// Strings are int16 length + bytes. LMDB (storage::metastore) holds the same
// offsets materialised; a single node reloads them from there at start.
//
// Cluster mode: the coordinator of a group is the leader of its offsets
// partition (Kafka's model), and the partition's log is the truth: a node that
// becomes coordinator replays it (replay_offsets) because its LMDB copy misses
// commits made while another node coordinated the group.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/metadata_cache.h"
#include "protocol/bytes.h"
#include "protocol/record_batch.h"
#include "storage/metastore.h"

namespace caudal::actors {

inline constexpr const char* offsets_topic = "__consumer_offsets";

int32_t java_string_hash(const std::string& s);
int32_t offsets_partition_for(const std::string& group_id, int32_t partitions);

protocol::byte_buffer encode_offset_key(const storage::group_offset_key& key);
protocol::byte_buffer encode_offset_value(const storage::committed_offset& value);

/// Decoders for tools and tests; nullopt for malformed or other record types.
std::optional<storage::group_offset_key> decode_offset_key(std::span<const uint8_t> bytes);
std::optional<storage::committed_offset> decode_offset_value(std::span<const uint8_t> bytes);

/// One RecordBatch with a record per entry; a nullopt value is a tombstone.
protocol::byte_buffer build_offsets_batch(
    const std::vector<
        std::pair<storage::group_offset_key, std::optional<storage::committed_offset>>>& entries,
    int64_t now_ms);

/// A group's committed offsets by (topic, partition).
using offsets_map = std::map<std::pair<std::string, int32_t>, storage::committed_offset>;

/// Applies the records of `group` in a record set read from its offsets
/// partition, in log order: a value commits, a tombstone deletes. Control
/// batches (leader changes) and other groups' records are skipped, and so are
/// records below `next_offset` (already applied). `next_offset` ends after the
/// last whole batch; a corrupt batch stops the replay with its error.
protocol::batch_error replay_offsets(std::span<const uint8_t> record_set, const std::string& group,
                                     int64_t& next_offset, offsets_map& offsets);

/// Cluster mode = the snapshot lists brokers (a single node lists none).
bool is_cluster(const metadata_snapshot& snap);

/// offsets.topic.replication.factor capped by the brokers there are (1 alone).
int16_t offsets_replication_factor(const metadata_snapshot& snap, int16_t configured);

/// Where FindCoordinator sends a client for a group.
struct coordinator_location {
  int16_t error = 0; // COORDINATOR_NOT_AVAILABLE while the offsets partition has no leader
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

/// Single node: `self`. Cluster: the leader of the group's offsets partition
/// with its address from the snapshot's brokers; COORDINATOR_NOT_AVAILABLE
/// when `__consumer_offsets` does not exist yet, has no leader, or the leader
/// is not a known broker.
coordinator_location locate_coordinator(const metadata_snapshot& snap, const std::string& group,
                                        const coordinator_location& self);

/// The local replica of the group's offsets partition (invalid when the
/// topic is missing or this node holds no replica of that partition).
caf::actor offsets_replica(const metadata_snapshot& snap, const std::string& group);

/// A cluster node's first answer to a group request before asking its
/// replica: COORDINATOR_NOT_AVAILABLE without the offsets topic,
/// NOT_COORDINATOR without a local replica; 0 = ask the replica (and always
/// 0 on a single node, which coordinates every group).
int16_t coordinator_precheck(const metadata_snapshot& snap, const std::string& group);

} // namespace caudal::actors
