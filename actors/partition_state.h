#pragma once
// Internal state of a partition actor, shared by its translation units
// (partition_actor.cpp: the log and its clients; partition_replication.cpp:
// the Raft replica of a replicated partition).

#include <memory>
#include <optional>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <spdlog/spdlog.h>

#include "actors/partition_actor.h"
#include "actors/partition_messages.h"
#include "actors/producer_guard.h"

namespace caudal::actors {

class partition_replication; // partition_replication.h

struct waiter {
  int64_t offset;
  int64_t deadline_ms;
  caf::typed_response_promise<bool> promise;
};

struct partition_state {
  partition_args args;
  std::unique_ptr<storage::partition_log> log;
  std::optional<producer_guard> producers; // idempotent-producer state
  std::vector<waiter> waiters;
  // Declared after `log`: destroyed first, it refers to the log.
  std::unique_ptr<partition_replication> replication;
  static inline const char* name = "partition";

  partition_state();
  partition_state(const partition_state&) = delete;
  partition_state& operator=(const partition_state&) = delete;
  // CAF destroys the state when the actor exits (before attached functors
  // run), so the clean shutdown of the log happens here.
  ~partition_state();

  /// What consumers may read up to: the high watermark when replicated, else
  /// the log end.
  int64_t visible_end() const;
};

using partition_self = caf::stateful_actor<partition_state>*;

inline int64_t now_ms(partition_self self) { return self->state.args.clock.now_ms(self->clock()); }

/// Answers long-poll waiters: true once visible data passed their offset,
/// false at their deadline.
void wake_waiters(partition_state& st, int64_t now);

} // namespace caudal::actors
