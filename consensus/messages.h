#pragma once
// Wire messages of the consensus core (KRaft-style pull Raft). Plain structs:
// the replica produces and consumes them; the transport (cluster/) carries
// them between nodes as CAF messages, hence the inspect() overloads. Every
// message starts with the group key so a node's peer router can dispatch it.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace caudal::consensus {

using node_id = int32_t;
inline constexpr node_id no_node = -1;

/// A log position answer: the end offset (exclusive) of the largest epoch
/// <= the asked one; {-1, -1} when unknown. Also the "diverging" hint.
struct epoch_end {
  int32_t epoch = -1;
  int64_t end_offset = -1;
};

struct vote_request {
  std::string group;
  int32_t epoch = 0;
  node_id candidate = no_node;
  int32_t last_epoch = -1;
  int64_t end_offset = 0;
};

struct vote_response {
  std::string group;
  int32_t epoch = 0;
  node_id voter = no_node;
  bool granted = false;
};

struct begin_epoch {
  std::string group;
  int32_t epoch = 0;
  node_id leader = no_node;
  // Leadership transfer (Raft's TimeoutNow): the leader of `epoch` asks this
  // caught-up voter to campaign at once instead of waiting for a timeout.
  bool timeout_now = false;
};

struct fetch_request {
  std::string group;
  int32_t epoch = 0;
  node_id replica = no_node;
  int64_t fetch_offset = 0;
  int32_t last_fetched_epoch = -1;
  int32_t max_bytes = 0;
  uint64_t id = 0;
  // Digest of the sender's voter set (replica::config_id): the leader sees
  // which replicas applied the latest membership change.
  uint64_t config = 0;
};

struct fetch_response {
  std::string group;
  int32_t epoch = 0;
  node_id leader = no_node;
  int16_t error = 0;
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;
  epoch_end diverging;
  std::vector<uint8_t> records;
  uint64_t id = 0;
};

using message =
    std::variant<vote_request, vote_response, begin_epoch, fetch_request, fetch_response>;

/// One message the replica wants sent to node `to` (best effort).
struct outbound {
  node_id to = no_node;
  message msg;
};

/// Kafka error codes used in fetch responses.
namespace errc {
inline constexpr int16_t none = 0;
inline constexpr int16_t offset_out_of_range = 1;
inline constexpr int16_t corrupt_message = 2;
inline constexpr int16_t not_leader_or_follower = 6;
inline constexpr int16_t kafka_storage_error = 56;
inline constexpr int16_t fenced_leader_epoch = 74;
inline constexpr int16_t unknown_leader_epoch = 75;
} // namespace errc

/// Group key of any message (all carry it first).
inline const std::string& group_of(const message& m) {
  return std::visit([](const auto& x) -> const std::string& { return x.group; }, m);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, epoch_end& x) {
  return f(caf::meta::type_name("caudal.epoch_end"), x.epoch, x.end_offset);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vote_request& x) {
  return f(caf::meta::type_name("caudal.vote_request"), x.group, x.epoch, x.candidate, x.last_epoch,
           x.end_offset);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vote_response& x) {
  return f(caf::meta::type_name("caudal.vote_response"), x.group, x.epoch, x.voter, x.granted);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, begin_epoch& x) {
  return f(caf::meta::type_name("caudal.begin_epoch"), x.group, x.epoch, x.leader, x.timeout_now);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_request& x) {
  return f(caf::meta::type_name("caudal.fetch_request"), x.group, x.epoch, x.replica,
           x.fetch_offset, x.last_fetched_epoch, x.max_bytes, x.id, x.config);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_response& x) {
  return f(caf::meta::type_name("caudal.fetch_response"), x.group, x.epoch, x.leader, x.error,
           x.high_watermark, x.log_start_offset, x.diverging, x.records, x.id);
}

} // namespace caudal::consensus
