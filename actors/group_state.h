#pragma once
// The classic consumer-group membership protocol of one group, as plain logic
// (no actor, no clock): JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the
// Empty -> PreparingRebalance -> CompletingRebalance -> Stable state machine
// with Kafka's semantics (KIP-394 member ids, KIP-345 static members).
//
// Time comes in as `now_ms` from the caller; timers go out through the
// `schedule` callback and come back through on_timer() (the group actor maps
// them to delayed_send on the actor clock, tests to a virtual queue).
// Responses that must wait (JoinGroup until the join phase ends, SyncGroup
// until the leader's assignment) are callbacks kept with the member.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "protocol/messages/describe_groups_response.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/join_group_response.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/leave_group_response.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/sync_group_response.h"

namespace caudal::actors {

namespace msg = protocol::msg;

namespace group_error {
constexpr int16_t none = 0;
constexpr int16_t request_timed_out = 7;
constexpr int16_t offset_metadata_too_large = 12;
constexpr int16_t coordinator_load_in_progress = 14;
constexpr int16_t coordinator_not_available = 15;
constexpr int16_t not_coordinator = 16;
constexpr int16_t illegal_generation = 22;
constexpr int16_t inconsistent_group_protocol = 23;
constexpr int16_t invalid_group_id = 24;
constexpr int16_t unknown_member_id = 25;
constexpr int16_t invalid_session_timeout = 26;
constexpr int16_t rebalance_in_progress = 27;
constexpr int16_t invalid_request = 42;
constexpr int16_t non_empty_group = 68;
constexpr int16_t group_id_not_found = 69;
constexpr int16_t member_id_required = 79;
constexpr int16_t fenced_instance_id = 82;
constexpr int16_t group_subscribed_to_topic = 86;
} // namespace group_error

enum class group_phase { empty, preparing_rebalance, completing_rebalance, stable, dead };

/// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
const char* phase_name(group_phase p);

struct group_settings {
  int32_t min_session_timeout_ms = 6000;     // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;  // group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 3000; // group.initial.rebalance.delay.ms
};

/// A timer the group asked for; it is stale (ignored) unless `seq` still
/// matches what the group expects for it.
struct group_timer {
  enum kind_t : int8_t { heartbeat = 0, join = 1, initial_delay = 2 } kind = heartbeat;
  std::string member_id; // heartbeat timers only
  uint64_t seq = 0;
};

using join_reply = std::function<void(msg::join_group_response)>;
using sync_reply = std::function<void(msg::sync_group_response)>;
using schedule_fn = std::function<void(int64_t delay_ms, group_timer)>;

struct group_member {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<std::pair<std::string, protocol::byte_buffer>> protocols; // by preference
  protocol::byte_buffer assignment;
  join_reply pending_join;
  int16_t join_version = 0;
  sync_reply pending_sync;
  uint64_t heartbeat_seq = 0;
  bool is_new = false; // joined in the current rebalance
};

/// Who asks (from the request header and the connection).
struct client_info {
  std::string client_id;
  std::string client_host;
};

class consumer_group {
public:
  consumer_group(std::string group_id, group_settings settings, schedule_fn schedule,
                 uint64_t seed);

  void join(const msg::join_group_request& req, int16_t version, const client_info& client,
            join_reply reply);
  void sync(const msg::sync_group_request& req, int16_t version, sync_reply reply);
  int16_t heartbeat(const msg::heartbeat_request& req);
  msg::leave_group_response leave(const msg::leave_group_request& req, int16_t version);
  void on_timer(const group_timer& t);

  /// OffsetCommit's check of (generation, member): NONE when the commit may go
  /// ahead (standalone commits need generation < 0 on a group without members).
  int16_t validate_commit(int32_t generation, const std::string& member_id,
                          const std::optional<std::string>& instance_id);
  /// The group is gone (DeleteGroups): pending responses get an error.
  void mark_dead();

  msg::describe_groups_response::described_group describe() const;

  const std::string& id() const { return id_; }
  group_phase phase() const { return phase_; }
  int32_t generation() const { return generation_; }
  const std::string& leader() const { return leader_; }
  const std::string& protocol_type() const { return protocol_type_; }
  const std::string& protocol_name() const { return protocol_name_; }
  const std::map<std::string, group_member>& members() const { return members_; }
  size_t pending_member_count() const { return pending_members_.size(); }
  /// Topics the members subscribed to (consumer protocol metadata), for OffsetDelete.
  std::vector<std::string> subscribed_topics() const;

private:
  void join_new_member(const msg::join_group_request& req, int16_t version,
                       const client_info& client, join_reply reply);
  void join_known_member(const msg::join_group_request& req, int16_t version,
                         const client_info& client, join_reply reply);
  void join_static_member(const msg::join_group_request& req, int16_t version,
                          const client_info& client, join_reply reply);
  void add_member(group_member m, join_reply reply, int16_t version);
  void update_member(group_member& m, const msg::join_group_request& req, join_reply reply,
                     int16_t version);
  int16_t check_protocols(const msg::join_group_request& req, const std::string& except) const;
  void prepare_rebalance();
  void maybe_complete_join();
  void complete_join();
  void remove_member(const std::string& member_id);
  void member_left();
  std::string select_protocol() const;
  msg::join_group_response join_response(const group_member& m, int16_t error) const;
  void answer_join(group_member& m);
  void fail_pending_syncs(int16_t error);
  void arm_heartbeat(group_member& m);
  void arm_join_timer(int32_t delay_ms, group_timer::kind_t kind);
  std::string new_member_id(const std::string& client_id,
                            const std::optional<std::string>& instance_id);
  bool all_joined() const;
  group_member* find_by_instance(const std::string& instance_id);

  std::string id_;
  group_settings settings_;
  schedule_fn schedule_;
  std::mt19937_64 rng_;
  group_phase phase_ = group_phase::empty;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::string protocol_name_;
  std::string leader_;
  std::map<std::string, group_member> members_;
  struct pending_member {
    uint64_t seq = 0; // its expiry timer
    client_info client;
  };
  std::map<std::string, pending_member> pending_members_; // KIP-394: id given, not joined yet
  std::map<std::string, std::string> static_members_;     // instance id -> member id
  uint64_t timer_seq_ = 0;
  uint64_t join_timer_seq_ = 0;
  int64_t initial_delay_left_ms_ = 0;
  bool joined_during_delay_ = false;
  bool in_initial_delay_ = false;
};

} // namespace caudal::actors
