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
// offsets materialised; the node reloads them from there at start.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.h"
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

} // namespace caudal::actors
