#pragma once
// The consumer-group coordinator of a node: a manager actor that routes every
// group request by group id to one actor per group (spawned on first use, and
// at start for every group with committed offsets in the metastore).
//
// Each group actor owns a consumer_group (group_state.h) and the group's
// committed offsets: commits are appended to the group's partition of
// `__consumer_offsets` (group_offsets.h) and then written to LMDB, and only
// then acknowledged. The group's partition is
// offsets_partition_for(group, partitions of __consumer_offsets), so the
// cluster layer can later move groups with their partition.
//
// Messages to the manager (payload types in group_messages.h):
//   (gready_atom)                                    -> bool (creates __consumer_offsets if needed)
//   (gjoin_atom, join_group_request, int16, client_info) -> join_group_response
//   (gsync_atom, sync_group_request, int16)          -> sync_group_response
//   (gbeat_atom, heartbeat_request)                  -> int16 error code
//   (gleave_atom, leave_group_request, int16)        -> leave_group_response
//   (gcommit_atom, offset_commit_request, int16)     -> offset_commit_response
//   (gfetch_atom, offset_fetch_query)                -> offset_fetch_response_group
//   (goffdel_atom, offset_delete_request)            -> offset_delete_response
//   (gdescribe_atom, string group)                   -> described_group
//   (glist_atom)                                     -> vector<listed_group>
//   (gdelete_atom, string group)                     -> int16 error code

#include <map>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/group_state.h"
#include "actors/metadata_cache.h"
#include "actors/node_clock.h"
#include "storage/metastore.h"

namespace caudal::actors {

struct group_coordinator_args {
  storage::metastore* meta = nullptr; // outlives the actors
  std::shared_ptr<metadata_cache> cache;
  caf::actor topic_manager;
  node_clock clock;
  group_settings settings;
  int32_t offsets_partitions = 50; // offsets.topic.num.partitions
  // offsets.topic.replication.factor; a cluster creates __consumer_offsets with
  // min(this, brokers) replicas, a single node with one.
  int16_t offsets_topic_replication = 3;
  uint64_t seed = 0; // member ids come from generators seeded from it
};

caf::actor spawn_group_coordinator(caf::actor_system& sys, group_coordinator_args args);

/// Reads Kafka's broker keys group.initial.rebalance.delay.ms,
/// group.min.session.timeout.ms, group.max.session.timeout.ms,
/// offsets.topic.num.partitions and offsets.topic.replication.factor from the
/// node's properties into `args`;
/// false (and `error` naming the key) for a malformed or out-of-range value.
bool read_group_configs(const std::map<std::string, std::string>& properties,
                        group_coordinator_args& args, std::string& error);

} // namespace caudal::actors
