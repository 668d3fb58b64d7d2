#pragma once

#include <cstdint>
#include <string>

#include "bench/load/histogram.h"
#include "bench/load/options.h"
#include "bench/load/run_control.h"

namespace caudal::bench {

// What the consumer read. End-to-end latency (both mode) is the payload's embedded produce()
// time to the moment the message came out of consumer_poll(), in nanoseconds.
struct consume_result {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;   // payload bytes
  std::uint64_t errors = 0;  // error events other than partition EOF
  std::uint64_t foreign = 0; // messages without caudal-load's stamp (not timed)
  std::int64_t start_ns = 0; // partitions assigned, reading starts
  std::int64_t end_ns = 0;   // last message read
  bool complete = false;     // the stop condition was met (not idle timeout or abort)
  std::string first_error;
  log_histogram e2e_ns;
};

// consume mode: reads the topic from the beginning until `expected` messages were read, or
// opts.duration_s passed (when set), or, when neither is given, until every partition
// reported EOF.
// both mode (follow = true): starts at the current end of every partition, sets
// control.consumer_ready, and reads until the producers are done and every delivered message
// was read.
void run_consumer(const load_options& opts, std::uint64_t expected, bool follow,
                  run_control& control, consume_result& out);

} // namespace caudal::bench
