#pragma once
// The Kafka error codes the controller's commands answer with (numbers from
// shared/kafka-protocol/error-codes.tsv). Kept here so metadata depends on
// nothing but caudal_protocol.

#include <cstdint>

namespace caudal::metadata::errc {

inline constexpr int16_t none = 0;
inline constexpr int16_t unknown_topic_or_partition = 3;
inline constexpr int16_t not_leader_or_follower = 6;
inline constexpr int16_t broker_not_available = 8;
inline constexpr int16_t invalid_topic_exception = 17;
inline constexpr int16_t topic_already_exists = 36;
inline constexpr int16_t invalid_partitions = 37;
inline constexpr int16_t invalid_replication_factor = 38;
inline constexpr int16_t invalid_replica_assignment = 39;
inline constexpr int16_t invalid_config = 40;
inline constexpr int16_t invalid_request = 42;
inline constexpr int16_t reassignment_in_progress = 60;
inline constexpr int16_t fenced_leader_epoch = 74;
inline constexpr int16_t stale_broker_epoch = 77;
inline constexpr int16_t no_reassignment_in_progress = 85;
inline constexpr int16_t unknown_topic_id = 100;
inline constexpr int16_t duplicate_broker_registration = 101;
inline constexpr int16_t broker_id_not_registered = 102;
inline constexpr int16_t ineligible_replica = 107;

} // namespace caudal::metadata::errc
