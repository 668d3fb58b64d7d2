#pragma once
// One actor per consumer group (internal to the coordinator; see
// group_coordinator.h for the messages it answers).

#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/group_coordinator.h"
#include "actors/group_messages.h"

namespace caudal::actors {

using offsets_map = std::map<std::pair<std::string, int32_t>, storage::committed_offset>;

struct group_actor_args {
  std::string group_id;
  group_coordinator_args common;
  caf::actor manager; // answers gready_atom: creates __consumer_offsets on first use
  uint64_t seed = 0;
};

/// Spawns the group's actor linked to `parent` (the manager); it loads the
/// group's committed offsets from the metastore first.
caf::actor spawn_group_actor(caf::event_based_actor* parent, group_actor_args args);

/// OffsetFetch's answer from a group's offsets (an unknown group has none).
msg::offset_fetch_response::offset_fetch_response_group fetch_offsets(const offsets_map& offsets,
                                                                      const offset_fetch_query& q);

} // namespace caudal::actors
