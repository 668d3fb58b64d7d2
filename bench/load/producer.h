#pragma once

#include <cstdint>
#include <string>

#include "bench/load/histogram.h"
#include "bench/load/options.h"
#include "bench/load/run_control.h"

namespace caudal::bench {

// What one producer client did. Latency is produce() call to delivery report, in nanoseconds.
struct produce_result {
  std::uint64_t attempted = 0; // messages accepted by produce()
  std::uint64_t delivered = 0; // delivery reports without error
  std::uint64_t failed = 0;    // delivery reports with an error, plus produce() refusals
  std::uint64_t bytes = 0;     // payload bytes of delivered messages
  std::int64_t start_ns = 0;   // first produce() call
  std::int64_t end_ns = 0;     // last delivery report
  bool complete = false;       // every accepted message got its delivery report
  std::string first_error;
  log_histogram latency_ns;

  void merge(const produce_result& other);
};

// Produces `messages` messages (0: until control.produce_deadline_ns) from one client, paced to
// `rate` messages per second when rate > 0, then waits for every delivery report.
void run_producer(const load_options& opts, int index, std::uint64_t messages, double rate,
                  run_control& control, produce_result& out);

} // namespace caudal::bench
