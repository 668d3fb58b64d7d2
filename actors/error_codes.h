#pragma once
// Kafka protocol error codes used by the actors (see
// ../shared/kafka-protocol/error-codes.tsv for the full list).

#include <cstdint>

namespace caudal::actors::error_code {

constexpr int16_t unknown_server_error = -1;
constexpr int16_t none = 0;
constexpr int16_t offset_out_of_range = 1;
constexpr int16_t corrupt_message = 2;
constexpr int16_t unknown_topic_or_partition = 3;
constexpr int16_t invalid_fetch_size = 4;
constexpr int16_t leader_not_available = 5;
constexpr int16_t not_leader_or_follower = 6;
constexpr int16_t request_timed_out = 7;
constexpr int16_t message_too_large = 10;
constexpr int16_t invalid_topic_exception = 17;
constexpr int16_t record_list_too_large = 18;
constexpr int16_t not_enough_replicas = 19;
constexpr int16_t invalid_required_acks = 21;
constexpr int16_t unsupported_version = 35;
constexpr int16_t topic_already_exists = 36;
constexpr int16_t invalid_partitions = 37;
constexpr int16_t invalid_replication_factor = 38;
constexpr int16_t invalid_replica_assignment = 39;
constexpr int16_t invalid_config = 40;
constexpr int16_t invalid_request = 42;
constexpr int16_t unsupported_for_message_format = 43;
constexpr int16_t policy_violation = 44;
constexpr int16_t kafka_storage_error = 56;
constexpr int16_t topic_deletion_disabled = 73;
constexpr int16_t fenced_leader_epoch = 74;
constexpr int16_t unknown_leader_epoch = 75;
constexpr int16_t fetch_session_id_not_found = 70;
constexpr int16_t invalid_fetch_session_epoch = 71;
constexpr int16_t unknown_topic_id = 100;
constexpr int16_t inconsistent_topic_id = 103;
constexpr int16_t resource_not_found = 91;

} // namespace caudal::actors::error_code
