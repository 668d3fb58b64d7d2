#pragma once

#include <atomic>
#include <cstdint>

namespace caudal::bench {

// State shared by the producer and consumer threads of one run.
struct run_control {
  std::atomic<bool> abort{false};          // timeout or signal: everyone stops now
  std::atomic<bool> consumer_ready{false}; // both mode: producers wait for the consumer
  std::atomic<int> producers_running{0};   // producers that have not finished yet
  std::atomic<std::uint64_t> delivered{0}; // successful delivery reports, all producers
  std::int64_t produce_deadline_ns = 0;    // 0: no time limit for producing
};

} // namespace caudal::bench
