#pragma once
// The idempotent-producer checks of one partition actor: before an append it
// runs Kafka's per-producer sequence rules over every batch of the request
// (storage/producer_state.h); after the append it records the batches with
// their assigned offsets and takes snapshots (on segment roll, every
// `snapshot_interval` idempotent batches, and on clean close).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "actors/partition_messages.h"
#include "protocol/record_batch.h"
#include "storage/partition_log.h"
#include "storage/producer_state.h"

namespace caudal::actors {

namespace error_code {
constexpr int16_t out_of_order_sequence_number = 45;
constexpr int16_t invalid_producer_epoch = 47;
constexpr int16_t unknown_producer_id = 59;
constexpr int16_t invalid_record = 87;
} // namespace error_code

class producer_guard {
public:
  static constexpr int64_t default_expiration_ms = 86400000; // producer.id.expiration.ms
  static constexpr int64_t snapshot_interval = 1000;

  /// Rebuilds the state of `log` (snapshot + replay). Errors are storage errors.
  static storage::result<producer_guard> open(storage::filesystem& fs, storage::partition_log& log);

  /// Checks the request's batches. Returns the reply to send instead of
  /// appending (an error, or the original offsets of a duplicate), or
  /// nullopt to go ahead; `headers` receives the batch headers then.
  std::optional<append_reply> before_append(std::span<const uint8_t> records,
                                            const storage::partition_log& log,
                                            std::vector<protocol::batch_header>& headers) const;
  /// Records the appended batches (offsets from `base_offset` on).
  void after_append(std::vector<protocol::batch_header>& headers, int64_t base_offset,
                    int64_t now_ms, storage::filesystem& fs, storage::partition_log& log);
  /// Expires idle producers (housekeeping timer).
  size_t expire(int64_t now_ms) { return table_.expire(now_ms, expiration_ms_); }
  /// Snapshot at the log end (after a clean close of the log).
  storage::status snapshot(storage::filesystem& fs, storage::partition_log& log);

  void set_expiration_ms(int64_t ms) { expiration_ms_ = ms; }
  const storage::producer_state_table& table() const { return table_; }

private:
  storage::producer_state_table table_;
  int64_t expiration_ms_ = default_expiration_ms;
  int64_t since_snapshot_ = 0;
  size_t segments_ = 0;
};

} // namespace caudal::actors
