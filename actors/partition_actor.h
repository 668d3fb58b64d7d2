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

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/node_clock.h"
#include "storage/file_io.h"
#include "storage/partition_log.h"

namespace caudal::actors {

struct partition_args {
  std::string topic;
  int32_t partition = 0;
  std::string dir; // the partition's directory
  storage::log_config config;
  storage::filesystem* fs = nullptr; // outlives the actor
  node_clock clock;
  int64_t retention_check_interval_ms = 300000;
  int64_t producer_id_expiration_ms = 86400000; // producer.id.expiration.ms
};

/// Opens (and recovers) the log, then spawns the actor. Returns an invalid
/// handle and sets `error` when the log cannot be opened.
caf::actor spawn_partition(caf::actor_system& sys, partition_args args, std::string& error);

} // namespace caudal::actors
