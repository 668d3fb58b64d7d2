#pragma once
// One actor per partition replica; it alone owns and appends to the log.
//
// Messages (untyped CAF behaviour, payloads in partition_messages.h):
//   (append_atom, append_request)      -> append_reply
//   (read_atom, read_request)          -> read_reply
//   (wait_atom, int64 offset, int64 max_wait_ms)
//                                      -> bool  (true once the log end passes
//                                          `offset`, false at the deadline;
//                                          long-poll fetches)
//   (offsets_atom, int64 timestamp)    -> offset_reply (ListOffsets: -2 earliest,
//                                          -1 latest, -3 max timestamp, else first
//                                          offset whose timestamp >= it)
//   (status_atom)                      -> partition_status
//   (config_atom, storage::log_config) -> applies new topic settings
//   (drop_atom, string moved_dir)      -> closes the log, deletes the files in
//                                          `moved_dir` (where the topic manager
//                                          renamed the directory) and exits
// Replicated partitions also take (partition_replication.h):
//   (peer_deliver_atom, int32 from, caf::message)  consensus traffic
//   (raft_tick_atom)                               their timer
//   (voters_atom, vector<int32> replicas, vector<int32> voters
//    [, vector<int32> removing])                   a reassignment step: the
//                                          replica list, its voters, the
//                                          replicas leaving (see
//                                          actors/cluster_topic_reassign.h)
// and answer appends only as leader (else NOT_LEADER_OR_FOLLOWER), acks=all
// once the record is committed (high watermark), reads up to the HW only.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/node_clock.h"
#include "storage/file_io.h"
#include "storage/metastore.h"
#include "storage/partition_log.h"

namespace caudal::actors {

/// Present when the partition is one replica of a Raft group (cluster mode);
/// see docs/replication.md. Absent: a single node's partition, whose high
/// watermark is its log end.
struct replication_args {
  std::string group; // "topic/partition"
  int32_t self = -1;
  std::vector<int32_t> voters; // the replica list
  caf::actor transport, router, controller;
  storage::metastore* meta = nullptr; // quorum state (epoch, vote); outlives the actor
  int64_t election_timeout_ms = 1500;
  int64_t fetch_wait_ms = 500;
  int64_t tick_interval_ms = 50;
  int32_t min_insync_replicas = 1;
  bool flush_before_ack = true;
  /// A brand-new partition's preferred replica: elect at once instead of
  /// after an election timeout, so a new topic has leaders within a round trip.
  bool campaign_at_start = false;
  uint64_t seed = 0;
};

struct partition_args {
  std::string topic;
  int32_t partition = 0;
  std::string dir; // the partition's directory
  storage::log_config config;
  storage::filesystem* fs = nullptr; // outlives the actor
  node_clock clock;
  int64_t retention_check_interval_ms = 300000;
  int64_t producer_id_expiration_ms = 86400000; // producer.id.expiration.ms
  std::optional<replication_args> replication;
};

/// Opens (and recovers) the log, then spawns the actor. Returns an invalid
/// handle and sets `error` when the log cannot be opened.
caf::actor spawn_partition(caf::actor_system& sys, partition_args args, std::string& error);

} // namespace caudal::actors
