#pragma once
// One actor per consumer group (internal to the coordinator; see
// group_coordinator.h for the messages it answers).

#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/group_coordinator.h"
#include "actors/group_messages.h"
#include "actors/group_offsets.h"

namespace caudal::actors {

struct group_actor_args {
  std::string group_id;
  group_coordinator_args common;
  caf::actor manager; // answers gready_atom: creates __consumer_offsets on first use
  uint64_t seed = 0;
};

/// Spawns the group's actor linked to `parent` (the manager); it loads the
/// group's committed offsets from the metastore first. In cluster mode it
/// serves only while the local replica of its offsets partition leads, and
/// replays that partition's log (replay_offsets) at each new leader epoch
/// before serving (COORDINATOR_LOAD_IN_PROGRESS meanwhile).
caf::actor spawn_group_actor(caf::event_based_actor* parent, group_actor_args args);

/// OffsetFetch's answer from a group's offsets (an unknown group has none).
msg::offset_fetch_response::offset_fetch_response_group fetch_offsets(const offsets_map& offsets,
                                                                      const offset_fetch_query& q);

// A group request's answer when this node does not serve it (error codes of
// group_error: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...).
msg::join_group_response join_refused(const msg::join_group_request& req, int16_t version,
                                      int16_t error);
msg::sync_group_response sync_refused(int16_t error);
msg::leave_group_response leave_refused(const msg::leave_group_request& req, int16_t error);
msg::offset_commit_response commit_refused(const msg::offset_commit_request& req, int16_t error);
msg::offset_fetch_response::offset_fetch_response_group fetch_refused(const offset_fetch_query& q,
                                                                      int16_t error);
msg::offset_delete_response offdel_refused(int16_t error);
msg::describe_groups_response::described_group describe_refused(const std::string& group,
                                                                int16_t error);

} // namespace caudal::actors
