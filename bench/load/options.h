#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace caudal::bench {

enum class load_mode { produce, consume, both };

// Everything caudal-load was asked to do; filled by main() from the command line.
struct load_options {
  std::string brokers = "127.0.0.1:9092";
  std::string topic = "caudal-load";
  load_mode mode = load_mode::produce;
  std::uint64_t messages = 0; // 0: no count limit (then duration_s or partition EOF ends it)
  double duration_s = 0;      // 0: no time limit for producing
  std::size_t size = 1024;
  std::string acks = "1";
  int producers = 1;
  int linger_ms = 5;
  int batch_bytes = 1000000; // librdkafka caps batch.size at message.max.bytes
  std::string compression = "none";
  int partitions = 1;
  int replication_factor = 1;
  bool create_topic = true;
  double rate = 0;   // total messages per second over all producers; 0: as fast as possible
  std::string group; // empty: assign all partitions explicitly; else subscribe with this group
  double idle_timeout_s = 10; // consumer gives up after this long without a message
  double timeout_s = 600;     // the whole run is abandoned (and fails) after this long
  std::uint64_t seed = 1;
  std::vector<std::string> extra_conf; // librdkafka key=value pairs, applied last
  bool json = false;
};

const char* to_string(load_mode mode);

// Checks cross-field rules CLI11 cannot express; returns an error message or "".
std::string validate(const load_options& opts);

} // namespace caudal::bench
