#pragma once
// The topic table as an immutable snapshot. The topic manager actor owns the
// table and publishes a new snapshot after every change; sessions read the
// current one without a message round trip (read-mostly view, one writer).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "protocol/messages_support.h"

namespace caudal::actors {

struct topic_entry {
  std::string name;
  protocol::uuid id{};
  int16_t replication_factor = 1;
  bool internal = false;
  std::vector<caf::actor> partitions;         // index = partition id
  std::map<std::string, std::string> configs; // overrides only
};

struct metadata_snapshot {
  std::map<std::string, std::shared_ptr<const topic_entry>> topics;
  std::map<protocol::uuid, std::string> names_by_id;

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
