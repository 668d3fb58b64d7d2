#pragma once
// The settings of one partition log, resolved from the topic's configs and
// the broker defaults (topic_config.h builds it). Names and defaults follow
// Kafka's topic configs (segment.bytes, retention.ms, flush.messages, ...).

#include "storage/checkpoint.h"

#include <cstdint>
#include <limits>

namespace caudal::storage {

struct log_config {
  int64_t segment_bytes = 1073741824;     // segment.bytes
  int64_t segment_ms = 604800000;         // segment.ms
  int32_t segment_index_bytes = 10485760; // segment.index.bytes
  int64_t retention_ms = 604800000;       // retention.ms (-1: no time limit)
  int64_t retention_bytes = -1;           // retention.bytes (-1: no size limit)
  int64_t flush_messages = std::numeric_limits<int64_t>::max(); // flush.messages
  int64_t flush_ms = std::numeric_limits<int64_t>::max();       // flush.ms
  int32_t index_interval_bytes = 4096;                          // index.interval.bytes
  int32_t max_message_bytes = 1048588;                          // max.message.bytes (per batch)
  bool log_append_time = false; // message.timestamp.type == LogAppendTime
};

} // namespace caudal::storage
