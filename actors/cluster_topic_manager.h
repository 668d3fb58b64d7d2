#pragma once
// The topic manager of a cluster node. It speaks exactly the message
// protocol of actors/topic_manager.h (create/delete/grow/describe/alter/
// ensure), so sessions do not know which one they talk to, but the topic
// table is the controller's metadata image, not the local metastore:
//   - admin requests become controller commands (actors/controller_messages.h)
//     and are answered once the controller committed them and this node's
//     image shows the result (or after a bounded wait);
//   - it follows the image: spawns a replicated partition actor for every
//     partition with a replica on this node, drops partitions removed from
//     it, pushes changed topic configs to its partitions;
//   - it publishes metadata_snapshot to the metadata cache: brokers from the
//     registered nodes, the controller leader, every topic with its local
//     partition actors (invalid where this node has no replica) and the
//     leader/epoch/replicas/ISR view of every partition.
// Extra message: (image_atom, image_ptr, int32 leader) from the controller.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/metadata_cache.h"
#include "actors/node_clock.h"
#include "storage/file_io.h"
#include "storage/metastore.h"

namespace caudal::actors {

struct cluster_topic_manager_args {
  int32_t node_id = -1;
  std::string log_dir;
  storage::filesystem* fs = nullptr;  // outlives the actor
  storage::metastore* meta = nullptr; // partitions' Raft votes; outlives the actor
  std::shared_ptr<metadata_cache> cache;
  node_clock clock;
  caf::actor controller, transport, router;
  uint64_t seed = 0;                      // the partitions' election seeds derive from it
  int32_t num_partitions = 1;             // num.partitions (auto-creation, -1 requests)
  int16_t default_replication_factor = 1; // default.replication.factor
  int64_t retention_check_interval_ms = 300000;
  int64_t producer_id_expiration_ms = 86400000;
  int64_t election_timeout_ms = 1500; // of the partitions' Raft groups
  int64_t fetch_wait_ms = 500;
  int64_t request_timeout_ms = 30000; // admin answers, end to end
  int64_t image_wait_ms = 5000;       // after a commit: wait this long for the local image
  std::map<std::string, std::string> broker_topic_defaults;
  std::map<std::string, std::string> broker_configs; // as read from the file
};

/// Spawns the manager; it subscribes to the controller at once.
caf::actor spawn_cluster_topic_manager(caf::actor_system& sys, cluster_topic_manager_args args);

} // namespace caudal::actors
