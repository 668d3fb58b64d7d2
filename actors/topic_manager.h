#pragma once
// The topic manager owns the topic table of a node: it loads topics from the
// metastore at start, spawns one partition actor per partition, serves the
// admin APIs (create/delete topics, add partitions, describe/alter configs)
// and publishes every change to the metadata cache as a new snapshot.
//
// Messages (the generated request structs travel as they were decoded; the
// reply is the matching response struct, encoded by the session):
//   (create_atom, create_topics_request, int16 version)   -> create_topics_response
//   (delete_atom, delete_topics_request, int16 version)   -> delete_topics_response
//   (grow_atom, create_partitions_request)                -> create_partitions_response
//   (describe_atom, describe_configs_request, int16 ver)  -> describe_configs_response
//   (alter_atom, alter_configs_request)                   -> alter_configs_response
//   (alter_atom, incremental_alter_configs_request)       -> incremental_alter_configs_response
//   (ensure_atom, vector<string> names)                   -> bool (auto-creates
//                                                            missing topics with defaults)

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

struct topic_manager_args {
  std::string log_dir;
  storage::filesystem* fs = nullptr;  // outlives the actor
  storage::metastore* meta = nullptr; // outlives the actor
  std::shared_ptr<metadata_cache> cache;
  node_clock clock;
  uint64_t seed = 0; // topic ids come from this seeded generator
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  int32_t live_nodes = 1;
  int64_t retention_check_interval_ms = 300000;
  int64_t producer_id_expiration_ms = 86400000;
  std::map<std::string, std::string> broker_topic_defaults;
  std::map<std::string, std::string> broker_configs; // as read from the file
};

/// Spawns the topic manager; it loads every stored topic before it answers.
caf::actor spawn_topic_manager(caf::actor_system& sys, topic_manager_args args);

/// Kafka's rule for topic names: 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(const std::string& name, std::string& why);

} // namespace caudal::actors
