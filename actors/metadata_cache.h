#pragma once
// The topic table as an immutable snapshot. The topic manager actor owns the
// table and publishes a new snapshot after every change; sessions read the
// current one without a message round trip (read-mostly view, one writer).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "protocol/messages_support.h"

namespace caudal::actors {

/// Who leads and replicates one partition, as the cluster metadata says.
/// A single node leads everything itself at epoch 0.
struct partition_view {
  int32_t leader = -1; // -1: no leader right now (LEADER_NOT_AVAILABLE)
  int32_t leader_epoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

struct broker_view {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
};

struct topic_entry {
  std::string name;
  protocol::uuid id{};
  int16_t replication_factor = 1;
  bool internal = false;
  std::vector<caf::actor> partitions;         // index = partition id; invalid if no local replica
  std::vector<partition_view> views;          // index = partition id
  std::map<std::string, std::string> configs; // overrides only
};

struct metadata_snapshot {
  std::vector<broker_view> brokers; // empty: this node alone (single-node mode)
  int32_t controller_id = -1;       // -1: this node
  std::map<std::string, std::shared_ptr<const topic_entry>> topics;
  std::map<protocol::uuid, std::string> names_by_id;
  /// False while a restarted cluster node's image has not caught up with the
  /// metadata log (up to its own registration): sessions hold client
  /// requests meanwhile, as a Kafka broker does until it has caught up, so
  /// that no client learns from a stale image (say, that a topic is unknown).
  bool serving = true;

  const topic_entry* find(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : it->second.get();
  }
  const topic_entry* find(const protocol::uuid& id) const {
    auto it = names_by_id.find(id);
    return it == names_by_id.end() ? nullptr : find(it->second);
  }
};

class metadata_cache {
public:
  metadata_cache() : current_(std::make_shared<const metadata_snapshot>()) {}

  std::shared_ptr<const metadata_snapshot> get() const {
    std::lock_guard guard{mutex_};
    return current_;
  }
  void publish(std::shared_ptr<const metadata_snapshot> next) {
    std::lock_guard guard{mutex_};
    current_ = std::move(next);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const metadata_snapshot> current_;
};

} // namespace caudal::actors
