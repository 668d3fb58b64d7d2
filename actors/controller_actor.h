#pragma once
// The controller actor of a cluster node: one replica of the Raft group
// "__cluster_metadata/0" whose log holds metadata records (metadata/records.h).
// Every node runs one; the voters elect a leader (the active controller), the
// others follow (observers if not a voter). Each node applies the committed
// records, in log order, to its metadata::image and publishes it.
//
// Messages (payloads in actors/controller_messages.h):
//   (command_atom, controller_command)   -> command_result
//        run on the leader: validated against the image, turned into
//        records, appended, answered once committed and applied here. On a
//        follower: forwarded to the leader's controller over the transport.
//        No leader for a while: NOT_CONTROLLER (41); no answer in time:
//        REQUEST_TIMED_OUT (7).
//   (report_atom, leader_report)         -> int16 error code (the same, as a
//        command, for replicated partition leaders)
//   (subscribe_atom, caf::actor s)       -> s gets (image_atom, image_ptr,
//        int32 controller leader) at once and after every change of either
//   (status_atom)                        -> controller_status
//   (peer_deliver_atom, int32 from, caf::message)  traffic from other nodes
//        (consensus messages, forwarded commands, answers)
// At start, and again whenever the leader changes until it succeeds, the
// node registers itself (register_node with a seeded incarnation); again
// too when its image shows it fenced. The leader fences nodes it has not
// heard from for node_session_timeout_ms.
// Snapshots (actors/controller_snapshots.cpp): every node writes its image
// as a snapshot file every snapshot_interval_bytes of applied log and starts
// from its newest snapshot; a node whose log fell behind the leader's log
// start gets the leader's image over the transport.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/controller_messages.h"
#include "actors/node_clock.h"
#include "storage/file_io.h"
#include "storage/metastore.h"

namespace caudal::actors {

/// What this node announces about itself when it registers.
struct node_registration {
  std::string host; // advertised client listener
  uint16_t port = 0;
  std::string peer_host; // inter-node listener
  uint16_t peer_port = 0;
  std::optional<std::string> rack;
};

struct controller_args {
  int32_t node_id = -1;
  std::vector<int32_t> voters;        // controller.quorum.voters ids; others observe
  std::string log_dir;                // the log lives in <log_dir>/__cluster_metadata-0
  storage::filesystem* fs = nullptr;  // outlives the actor
  storage::metastore* meta = nullptr; // the persisted vote; outlives the actor
  caf::actor transport, router;
  node_clock clock;
  uint64_t seed = 0; // elections, topic ids, placement, incarnation
  int64_t election_timeout_ms = 1500;
  int64_t fetch_wait_ms = 500;
  int64_t tick_interval_ms = 50;
  int64_t request_timeout_ms = 30000; // a command's answer, end to end
  int64_t leader_wait_ms = 0;         // 0: 2 * election timeout; then NOT_CONTROLLER
  // The leader fences a node silent this long (its metadata fetches are
  // its heartbeats); 0: 3 * election timeout.
  int64_t node_session_timeout_ms = 0;
  bool flush_before_ack = true;
  // metadata.log.max.record.bytes.between.snapshots: the image is written as
  // a snapshot after this many bytes of applied log; the log before the
  // older of the two newest snapshots is then deleted. <= 0: no snapshots.
  int64_t snapshot_interval_bytes = 20 * 1024 * 1024;
  node_registration registration;
};

/// Opens the metadata log and the vote, then spawns the actor. Invalid handle
/// and `error` set when the log cannot be opened.
caf::actor spawn_controller(caf::actor_system& sys, controller_args args, std::string& error);

} // namespace caudal::actors
