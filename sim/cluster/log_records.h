#pragma once
// Record sets as the multi-node checks need them: data records with their
// offsets (control batches — the leader-change markers every new leader
// writes — occupy offsets but are no records for clients), and whole
// batches for comparing replicas byte for byte.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/cluster/cluster_history.h"

namespace caudal::sim::cluster {

/// Appends the data records of every complete batch of `records` to `out`
/// (a trailing partial batch is ignored, as a fetch may end with one).
/// Returns "" or what was malformed.
std::string decode_log_records(std::span<const uint8_t> records, std::vector<log_record>& out);

/// One batch of a log: its offsets and its bytes.
struct log_batch {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  std::vector<uint8_t> bytes;
};

/// Splits `records` into batches; "" or what was malformed.
std::string split_log_batches(std::span<const uint8_t> records, std::vector<log_batch>& out);

} // namespace caudal::sim::cluster
