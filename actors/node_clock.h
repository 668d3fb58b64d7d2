#pragma once
// Wall-clock milliseconds for Kafka timestamps, derived from the actor clock.
// Logic never reads the system clock: the node's boot code measures the offset
// between the actor clock and the Unix epoch once, and the simulator sets a
// fixed one, so replaying a seed replays every timestamp.

#include <chrono>
#include <cstdint>

#include <caf/actor_clock.hpp>

namespace caudal::actors {

struct node_clock {
  int64_t epoch_offset_ms = 0; // Unix-epoch ms minus actor-clock ms at boot

  int64_t now_ms(const caf::actor_clock& clock) const {
    auto since = clock.now().time_since_epoch();
    return epoch_offset_ms + std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
  }
};

} // namespace caudal::actors
