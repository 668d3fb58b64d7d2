#pragma once
// The clients' own state (internal to cluster_clients*.cpp).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cluster/cluster_clients.h"

namespace caudal::sim::cluster {

inline constexpr int16_t topic_already_exists = 36;
inline constexpr int16_t out_of_order_sequence = 45;
inline constexpr int16_t invalid_producer_epoch = 47;
inline constexpr int16_t unknown_producer_id = 59;

struct cluster_clients::client {
  std::string name;
  std::map<int32_t, std::shared_ptr<connection>> conns; // node -> connection
  std::map<int32_t, int32_t> leaders;                   // partition -> node (last Metadata)
};

struct cluster_clients::producer : client {
  struct batch {
    int32_t partition = 0;
    std::string key;
    std::vector<std::string> values;
    int32_t base_sequence = -1;
    int attempts = 0;
    int64_t timestamp_ms = 0;
  };
  int id = 0;
  int64_t pid = -1;
  int16_t epoch = 0;
  std::map<int32_t, int32_t> next_sequence; // per partition
  std::vector<int64_t> key_seq;             // per key
  std::optional<batch> out;                 // the one batch in flight (or being retried)
  bool done = false;
};

struct cluster_clients::consumer : client {
  int id = 0; // -1: the verifier
  std::map<int32_t, int64_t> pos;
  std::map<int32_t, std::vector<log_record>> read; // the verifier's copy of each log
  std::map<int32_t, int64_t> hw;                   // last high watermark seen
  int32_t next_partition = 0;
};

} // namespace caudal::sim::cluster
