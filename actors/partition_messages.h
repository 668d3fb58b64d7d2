#pragma once
// The requests a partition actor answers and their replies. Error codes are
// Kafka's protocol codes (0 = NONE), decided where the error happens.

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

#include "protocol/bytes.h"

namespace caudal::actors {

struct append_request {
  protocol::byte_buffer records; // one or more RecordBatches, rewritten in place
  int16_t acks = 1;
};

struct append_reply {
  int16_t error = 0;
  std::string message;
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;
  int64_t log_start_offset = -1;
};

struct read_request {
  int64_t offset = 0;
  int32_t max_bytes = 1048576;
  bool min_one_batch = true;         // Kafka returns one whole batch even past max_bytes
  int32_t current_leader_epoch = -1; // KIP-320 fencing; -1: the client does not know it
};

struct read_reply {
  int16_t error = 0;
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  protocol::byte_buffer records;
};

struct offset_reply {
  int16_t error = 0;
  int64_t timestamp = -1;
  int64_t offset = -1;
};

/// OffsetForLeaderEpoch: the largest epoch <= the asked one and its end offset.
struct epoch_reply {
  int16_t error = 0;
  int32_t leader_epoch = -1;
  int64_t end_offset = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, epoch_reply& x) {
  return f(caf::meta::type_name("epoch_reply"), x.error, x.leader_epoch, x.end_offset);
}

struct partition_status {
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t size_bytes = 0;
  int64_t segments = 0;
  int64_t high_watermark = 0; // = log end offset on a single node
  bool leader = true;         // this replica leads (always true on a single node)
  int32_t leader_epoch = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_request& x) {
  return f(caf::meta::type_name("append_request"), x.records, x.acks);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_reply& x) {
  return f(caf::meta::type_name("append_reply"), x.error, x.message, x.base_offset,
           x.log_append_time_ms, x.log_start_offset);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_request& x) {
  return f(caf::meta::type_name("read_request"), x.offset, x.max_bytes, x.min_one_batch,
           x.current_leader_epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_reply& x) {
  return f(caf::meta::type_name("read_reply"), x.error, x.high_watermark, x.log_start_offset,
           x.records);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_reply& x) {
  return f(caf::meta::type_name("offset_reply"), x.error, x.timestamp, x.offset);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_status& x) {
  return f(caf::meta::type_name("partition_status"), x.log_start_offset, x.log_end_offset,
           x.size_bytes, x.segments, x.high_watermark, x.leader, x.leader_epoch);
}

} // namespace caudal::actors
