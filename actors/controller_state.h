#pragma once
// Internal state of the controller actor, shared by its translation units:
// controller_actor.cpp (lifecycle, behaviour, Raft pump), controller_apply.cpp
// (committed records -> image -> subscribers), controller_requests.cpp
// (command queue, forwarding, answers), controller_remote.cpp (commands
// from other nodes, registration, node sessions), controller_commands.cpp
// (commands -> records).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "actors/controller_actor.h"
#include "actors/metadata_snapshot_files.h"
#include "consensus/replica.h"
#include "metadata/placement.h"
#include "storage/partition_log.h"

namespace caudal::actors {

using reply_fn = std::function<void(const command_result&)>;

/// A command waiting for the leader (or, here, for the image to catch up).
struct queued_command {
  controller_command cmd;
  reply_fn reply;
  int64_t enqueued_ms = 0;
  int64_t deadline_ms = 0;
  bool from_peer = false; // forwarded to us (or leader-only): never forwarded again
};

/// Appended by this leader; answered once applied past `last_offset`.
struct inflight_command {
  reply_fn reply;
  command_result result;
  int64_t last_offset = -1;
  int32_t epoch = 0;
  int64_t deadline_ms = 0;
};

/// Sent to the leader's controller; answered by its controller_answer.
struct forwarded_command {
  reply_fn reply;
  int32_t to = -1; // the leader it went to
  int64_t deadline_ms = 0;
};

struct controller_state {
  ~controller_state(); // closes the metadata log cleanly
  controller_args args;
  std::shared_ptr<storage::partition_log> plog;
  std::unique_ptr<consensus::replicated_log> log; // adapter over plog
  std::unique_ptr<consensus::quorum_store> votes;
  std::unique_ptr<consensus::replica> replica;
  metadata::rng gen;

  metadata::image image;      // committed records applied up to `applied`
  int64_t applied = 0;        // next offset to apply
  int32_t applied_epoch = -1; // leader epoch of the last applied batch
  bool image_changed = true;  // since the last publish
  image_ptr published;        // what subscribers saw last
  int32_t published_leader = -2;
  std::vector<caf::actor> subscribers;

  std::deque<queued_command> queue;
  std::vector<inflight_command> inflight;
  std::map<uint64_t, forwarded_command> forwarded;
  uint64_t next_forward_id = 1;
  // Forwarded commands seen as leader, (origin, incarnation, id): the
  // network may duplicate a message, a command must run once.
  std::set<std::tuple<int32_t, uint64_t, uint64_t>> seen;
  std::deque<std::tuple<int32_t, uint64_t, uint64_t>> seen_order;

  // Node sessions, on the leader: when each node was last heard from.
  std::map<int32_t, int64_t> last_seen;
  int64_t leader_since = -1; // -1: not the leader
  std::set<int32_t> fencing; // fence commands in flight

  // Snapshots (controller_snapshots.cpp).
  std::unique_ptr<metadata_snapshot_files> snapshots;
  int64_t snapshot_offset = 0;      // end offset of the newest snapshot here (0: none)
  int64_t bytes_since_snapshot = 0; // applied log bytes since it
  int64_t snapshot_asked_ms = -1;   // last request for a leader's snapshot (-1: none pending)

  uint64_t incarnation = 0;
  bool registered = false;
  bool registering = false;
  int64_t register_retry_ms = 0; // after a refused registration, not before this
  bool stopped = false;

  static inline const char* name = "caudal.controller";
};

using controller_self = caf::stateful_actor<controller_state>*;

int64_t now_ms(controller_self self);

// controller_apply.cpp
/// Applies every committed batch not applied yet; false on a log error.
bool apply_committed(controller_self self);
/// Sends the image and leader to subscribers if either changed.
void publish_if_changed(controller_self self);
void add_subscriber(controller_self self, caf::actor s);

// controller_snapshots.cpp
/// At start: the newest local snapshot becomes the image; false when the
/// snapshot files cannot be read at all (damaged ones are skipped).
bool load_local_snapshot(controller_self self);
/// The image misses records the log no longer has (its start moved past
/// `applied`): asks the leader for a snapshot (at most once per election
/// timeout). True while the image waits for one.
bool await_snapshot(controller_self self);
/// Writes a snapshot when enough log was applied since the last one; false
/// on a storage error (the controller then fail-stops).
bool maybe_take_snapshot(controller_self self);
void on_snapshot_request(controller_self self, const metadata_snapshot_request& r);
void on_snapshot_answer(controller_self self, int32_t from, const metadata_snapshot_answer& a);

// controller_requests.cpp
/// Queues a command and routes it at once. timeout_ms 0: request_timeout_ms.
void enqueue(controller_self self, controller_command cmd, reply_fn reply, bool from_peer,
             int64_t timeout_ms = 0);
/// Routes queued commands (plan + append as leader, forward as follower),
/// answers the inflight ones the image now covers, expires deadlines.
void pump_requests(controller_self self);
void on_forwarded(controller_self self, int32_t from, const caf::message& m);
void on_answer(controller_self self, const controller_answer& a);
void maybe_register(controller_self self);
/// On the leader: fences nodes silent for the session timeout.
void check_sessions(controller_self self);
/// A node seen as fenced (or as an older incarnation) registers again.
void check_own_registration(controller_self self);
/// Answers everything pending with `error` (shutdown, failed log).
void fail_all(controller_self self, int16_t error, const std::string& message);

// controller_actor.cpp
/// After any replica step: send its outbox, apply, publish, route requests.
void after_step(controller_self self);

} // namespace caudal::actors
