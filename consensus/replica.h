#pragma once
// One member of one Raft group: a pure state machine. The owner (an actor,
// or a test) feeds it time, messages and client appends, and sends what
// take_outbox() returns. No I/O, no clocks, no global randomness: given the
// same inputs and seed it does the same thing. See consensus/README.md.

#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "consensus/log.h"
#include "consensus/messages.h"

namespace caudal::consensus {

struct replica_config {
  std::string group;
  node_id self = no_node;
  std::vector<node_id> voters; // a node not listed here is an observer
  // The partition's replica list (voters + observers being added); caught-up
  // observers listed here count as in sync. Empty: the voters.
  std::vector<node_id> replicas;
  int64_t election_timeout_ms = 1500;
  int64_t fetch_wait_ms = 500;
  int32_t fetch_max_bytes = 1048576;
  bool flush_before_ack = true;
  int64_t replica_lag_time_max_ms = 10000;
  // Campaign on the first tick if nothing was ever voted or logged here (a
  // new group's preferred replica): saves a new group one election timeout.
  // Safe at any time (elections do not depend on timing for safety); only
  // its liveness cost — disturbing a leader — is why it is not the default.
  bool campaign_at_start = false;
};

/// Deliberately broken rules, for the tests that prove the checkers can see
/// a violation. Never set outside tests.
struct fault_injection {
  bool grant_vote_ignoring_log = false;    // vote without the log comparison
  bool count_unflushed_leader_end = false; // leader HW counts its unflushed end
  bool commit_before_marker = false;       // HW may pass older epochs' entries alone
};

enum class replica_role { follower, candidate, leader };
const char* to_string(replica_role r);

struct append_result {
  int16_t error = errc::none; // 6 not leader, 2 empty input, 56 storage error (failed)
  int64_t base_offset = -1;
  int64_t last_offset = -1;
};

class replica {
public:
  replica(replica_config cfg, replicated_log& log, quorum_store& store, uint64_t seed,
          int64_t now_ms);

  void tick(int64_t now_ms);
  void receive(const message& m, int64_t now_ms);
  append_result append(std::span<uint8_t> batches, int64_t now_ms);
  std::vector<outbound> take_outbox();
  /// Membership change, one member at a time (see README "Voter changes"):
  /// a replica not in `voters` becomes an observer (a leader hands over or
  /// resigns), a new voter starts its election timer, the HW counts the new set.
  void set_voters(std::vector<node_id> voters, int64_t now_ms);
  /// The replica list the ISR is drawn from (voters plus observers being added).
  void set_replicas(std::vector<node_id> replicas);
  /// Leader only: stop taking appends, wait (up to an election timeout) until
  /// `target` (a voter) has everything, then tell it to campaign at once.
  /// False when not leader or `target` is not another voter.
  bool transfer_leadership(node_id target, int64_t now_ms);
  node_id transferring_to() const { return transfer_to_; }
  /// Digest of the voter set (order-insensitive); sent with every fetch.
  uint64_t config_id() const { return config_id_; }
  /// Leader only: itself and the replicas (voters and listed observers) that
  /// hold every committed entry and run the leader's voter set. The next
  /// membership change may only be made when all its members are listed
  /// (README "Voter changes"). Empty until this epoch's HW is established.
  std::vector<node_id> replicas_holding_committed() const;
  /// Earliest time tick() has something to do (timeouts, a pending flush).
  int64_t next_deadline() const;

  replica_role role() const { return role_; }
  int32_t epoch() const { return state_.epoch; }
  node_id leader() const { return leader_; }
  node_id voted_for() const { return state_.voted_for; }
  int64_t high_watermark() const { return hw_; }
  int64_t end_offset() const;
  int64_t log_start_offset() const;
  const std::vector<node_id>& voters() const { return cfg_.voters; }
  const std::vector<node_id>& replicas() const { return cfg_.replicas; }
  bool is_voter() const { return is_voter_; }
  std::vector<node_id> in_sync_replicas(int64_t now_ms) const;
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  epoch_end end_of_epoch(int32_t epoch) const;
  std::string describe() const;
  const replica_config& config() const { return cfg_; }
  void set_faults(fault_injection f) { faults_ = f; }

private:
  struct peer_progress {
    int64_t acked_end = -1; // last validated fetch_offset in this epoch
    int64_t last_fetch_ms = INT64_MIN / 2;
    int64_t caught_up_ms = INT64_MIN / 2; // last fetch at the log end
    int64_t hw_sent = -1;                 // HW in the last response to it
    uint64_t config = 0;                  // its voter-set digest, from its last fetch
  };
  struct parked_fetch {
    node_id from = no_node;
    fetch_request req;
    int64_t expires_ms = 0;
  };

  // state transitions (replica_state.cpp)
  bool adopt_epoch(int32_t epoch, node_id leader, int64_t now_ms);
  void become_follower(node_id leader, int64_t now_ms);
  void become_candidate(int64_t now_ms);
  void become_leader(int64_t now_ms);
  void resign(int64_t now_ms);
  void reset_election_timer(int64_t now_ms);
  bool persist(quorum_state s);
  void fail(const std::string& what);
  int majority() const { return static_cast<int>(cfg_.voters.size()) / 2 + 1; }
  bool is_voter_id(node_id n) const;

  // votes (replica_vote.cpp)
  void send_vote_requests(int64_t now_ms);
  void on_vote_request(const vote_request& m, int64_t now_ms);
  void on_vote_response(const vote_response& m, int64_t now_ms);
  void on_begin_epoch(const begin_epoch& m, int64_t now_ms);
  bool log_up_to_date(int32_t last_epoch, int64_t end_offset) const;

  // leader side of fetch (replica_leader.cpp)
  void on_fetch_request(const fetch_request& m, int64_t now_ms);
  bool validate_fetch(const fetch_request& m, fetch_response& resp);
  void record_progress(const fetch_request& m, int64_t now_ms);
  void answer_fetch(node_id to, const fetch_request& m, fetch_response resp);
  fetch_response response_for(const fetch_request& m, int16_t error) const;
  void answer_parked(int64_t now_ms, bool all);
  void update_leader_hw();
  void check_quorum(int64_t now_ms);
  void leader_flush();
  void resend_begin_epoch(int64_t now_ms);
  bool in_sync(node_id n, int64_t now_ms) const;
  // membership (replica_membership.cpp)
  void progress_transfer(int64_t now_ms);
  void leave_leadership(int64_t now_ms);
  node_id best_successor() const;
  void update_config_id();

  // follower side of fetch (replica_follower.cpp)
  void follower_tick(int64_t now_ms);
  void clear_inflight();
  bool match_response(uint64_t id, node_id& from);
  void maybe_send_fetch(int64_t now_ms);
  void send_fetch(int64_t now_ms);
  void on_fetch_response(const fetch_response& m, int64_t now_ms);
  void handle_fetch_data(const fetch_response& m, int64_t now_ms);
  void handle_divergence(const epoch_end& d);
  void set_follower_hw(int64_t leader_hw);
  node_id fetch_target();

  void release_parked();
  int64_t fetch_timeout_ms() const;
  void set_hw(int64_t hw);
  void post(node_id to, message m) { outbox_.push_back(outbound{to, std::move(m)}); }

  replica_config cfg_;
  replicated_log& log_;
  quorum_store& store_;
  std::mt19937_64 rng_;
  fault_injection faults_;
  bool is_voter_ = false;
  bool failed_ = false;
  std::string failure_;
  quorum_state state_;
  replica_role role_ = replica_role::follower;
  node_id leader_ = no_node;
  int64_t hw_ = 0;
  int64_t election_deadline_ = 0;
  std::vector<outbound> outbox_;

  // candidate
  std::map<node_id, bool> votes_; // voter -> granted (present = answered)
  int64_t vote_retry_ms_ = 0;

  // leader
  int64_t epoch_start_offset_ = 0;
  int64_t leader_since_ms_ = 0;
  int64_t begin_epoch_retry_ms_ = 0;
  int64_t quorum_check_ms_ = 0;
  std::map<node_id, peer_progress> progress_; // voters and observers that fetched
  std::vector<parked_fetch> parked_;
  node_id transfer_to_ = no_node; // leadership transfer in progress: no appends
  int64_t transfer_deadline_ms_ = 0;
  bool transfer_sent_ = false;
  uint64_t config_id_ = 0;

  // follower / observer
  uint64_t next_fetch_id_ = 1;
  uint64_t inflight_id_ = 0; // 0: no fetch outstanding
  node_id inflight_to_ = no_node;
  int64_t inflight_sent_ms_ = 0;
  // Re-sent requests whose answer is still as good as the latest one's (the
  // log has not changed since): a slow answer to them is accepted too.
  std::vector<std::pair<uint64_t, node_id>> superseded_;
  size_t probe_index_ = 0;    // round-robin over voters while the leader is unknown
  int64_t next_probe_ms_ = 0; // back-off after a response that named no leader
  int64_t now_ms_ = 0;        // latest time seen, for next_deadline()
};

} // namespace caudal::consensus
