#pragma once
// The node's metadata store over LMDB: one environment per node (a directory),
// named databases for topics, a generic key/value space for node state
// (cluster id, node id, ...) and committed consumer-group offsets. Values are
// serialized with cereal's portable binary archive behind a one-byte format
// version. Every write is one transaction committed (and fsynced by LMDB)
// before the call returns; when the map is full it is doubled and the write
// retried once. Safe to share between threads (LMDB with MDB_NOTLS); no
// exception leaves this API. Keys are limited to LMDB's 511 bytes.

#include "storage/result.h"

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace caudal::storage {

struct topic_record {
  std::string name;
  std::array<uint8_t, 16> topic_id{};
  int32_t partition_count = 0;
  int16_t replication_factor = 1;
  std::map<std::string, std::string> configs; // overrides only
  int64_t created_ms = 0;
  bool operator==(const topic_record&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(name, topic_id, partition_count, replication_factor, configs, created_ms);
  }
};

struct group_offset_key {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  bool operator==(const group_offset_key&) const = default;
};

struct committed_offset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_time_ms = 0;
  int64_t expire_time_ms = -1;
  bool operator==(const committed_offset&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(offset, leader_epoch, metadata, commit_time_ms, expire_time_ms);
  }
};

struct metastore_options {
  size_t initial_map_size = size_t{64} << 20; // grows by doubling on MDB_MAP_FULL
  unsigned max_readers = 126;
};

class metastore {
public:
  /// Opens (creating) the environment in directory `dir`.
  static result<std::unique_ptr<metastore>> open(const std::string& dir,
                                                 metastore_options options = {});
  ~metastore();
  metastore(const metastore&) = delete;
  metastore& operator=(const metastore&) = delete;

  // Topics, keyed by name.
  status put_topic(const topic_record& topic);
  result<std::optional<topic_record>> get_topic(std::string_view name);
  result<std::vector<topic_record>> list_topics();
  /// false if there was no such topic.
  result<bool> delete_topic(std::string_view name);

  // Node state.
  status put_kv(std::string_view key, std::string_view value);
  result<std::optional<std::string>> get_kv(std::string_view key);
  result<bool> delete_kv(std::string_view key);
  result<std::vector<std::pair<std::string, std::string>>> list_kv(std::string_view prefix = {});

  // Committed offsets of consumer groups.
  status put_offset(const group_offset_key& key, const committed_offset& value);
  /// Several offsets of one commit, atomically.
  status put_offsets(const std::vector<std::pair<group_offset_key, committed_offset>>& entries);
  result<std::optional<committed_offset>> get_offset(const group_offset_key& key);
  /// The group's offsets ordered by (topic, partition).
  result<std::vector<std::pair<group_offset_key, committed_offset>>>
  list_offsets(std::string_view group);
  result<bool> delete_offset(const group_offset_key& key);
  /// Removes every offset of `group`; returns how many.
  result<size_t> delete_group_offsets(std::string_view group);
  /// Groups having at least one committed offset.
  result<std::vector<std::string>> list_offset_groups();

  size_t map_size() const;

  struct impl;

private:
  explicit metastore(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace caudal::storage
