#pragma once
// Incremental fetch sessions (KIP-227). A client that opens a session sends
// later fetches carrying only the partitions whose fetch position changed; the
// broker remembers the rest and answers only partitions with news. Sessions
// live per connection here (Kafka keeps a broker-wide cache): a client that
// reconnects gets FETCH_SESSION_ID_NOT_FOUND and starts a new session, which
// every client handles.

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocol/messages_support.h"

namespace caudal::actors {

struct fetch_item {
  std::string topic;
  protocol::uuid topic_id{};
  int32_t partition = 0;
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
  int32_t current_leader_epoch = -1;
  auto key() const { return std::pair{topic, partition}; }
};

struct fetch_partition_state {
  fetch_item item;
  int64_t last_high_watermark = -1; // as last sent to the client
  int64_t last_log_start = -1;
};

struct fetch_session {
  int32_t id = 0;
  int32_t epoch = 0; // the epoch the next request must carry
  std::map<std::pair<std::string, int32_t>, fetch_partition_state> partitions;
};

class fetch_session_cache {
public:
  static constexpr int32_t final_epoch = -1;
  static constexpr int32_t initial_epoch = 0;
  static constexpr size_t max_sessions = 8;

  /// Applies the session part of a fetch request. On success returns 0 and
  /// fills `items` with every partition to read and `session` (null for a
  /// sessionless fetch). Returns FETCH_SESSION_ID_NOT_FOUND or
  /// INVALID_FETCH_SESSION_EPOCH otherwise.
  int16_t begin(int32_t session_id, int32_t epoch, const std::vector<fetch_item>& requested,
                const std::vector<std::pair<std::string, int32_t>>& forgotten,
                std::vector<fetch_item>& items, fetch_session*& session);

  /// For an incremental fetch: whether a partition's result must be sent
  /// (new records, changed high watermark or log start, or an error), and
  /// remembers what was sent.
  static bool should_send(fetch_session& s, const fetch_item& item, int64_t high_watermark,
                          int64_t log_start, bool has_records, int16_t error);

  /// The session with this id, or null (id 0 is never a session).
  fetch_session* find(int32_t id) {
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
  }
  size_t size() const { return sessions_.size(); }

private:
  fetch_session& create(const std::vector<fetch_item>& items);

  std::map<int32_t, fetch_session> sessions_;
  int32_t next_id_ = 1;
};

} // namespace caudal::actors
