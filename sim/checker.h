#pragma once
// The history of a run and the invariants checked on it. The workload reports
// what it sent, what was acknowledged (partition, offset), what consumers saw
// and when the node crashed; at the end it hands over the final log of every
// partition, read back from offset 0. Violations are collected as text.
//
// Checked (see docs/simulator.md for why each holds):
//  - final logs are dense (offsets 0, 1, 2, ... with no gap or repeat) and
//    hold only records some producer sent, each at most once (payloads are
//    unique per run);
//  - an acknowledged record is found at its acknowledged offset with the same
//    key and value bytes, or is missing; it may be missing only when the
//    durable flag is off and a crash happened after its acknowledgement;
//  - per key, records appear in the order their producer sent them;
//  - each consumer's offsets per partition only move forward (an
//    out-of-range reset is a violation when durable); what it saw is in the
//    final log at the same offset (durable), or is not there at another offset;
//  - inconsistent offsets: one offset never holds two different records
//    across reads (unless a crash legitimately took the first one back);
//  - a storage error is not an acknowledgement: records of a produce that got
//    kafka_storage_error may be read and later vanish (see produce_failed);
//  - liveness is reported by the simulation itself.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace caudal::sim {

struct stored_record {
  std::string key;
  std::string value;
};

class history {
public:
  explicit history(bool durable) : durable_(durable) {}

  void sent(const std::string& value, int32_t partition, const std::string& key, int64_t key_seq);
  void acked(int32_t partition, int64_t offset, const std::string& value, int64_t now_ms);
  void observed(int consumer, int32_t partition, int64_t offset, const stored_record& r,
                int64_t now_ms);
  void consumer_reset(int consumer, int32_t partition, int64_t from, int64_t to);
  /// A produce answered with an error code: not acknowledged. Its records may
  /// still be in the log, and readable: after a failed fsync the partition
  /// keeps serving what it appended until the node restarts, so a consumer
  /// may see them and a later power loss may take them back ("tainted").
  void produce_failed(int32_t partition, const std::vector<std::string>& values, int16_t error);
  /// An idempotent producer lost its sequence state on the broker (out of
  /// order sequence, unknown producer id) and starts over with a new id. With
  /// every acknowledged write durable that is a broker bug; otherwise the
  /// batch it resends may end up stored twice.
  void producer_reset(const std::string& producer, int16_t error,
                      const std::vector<std::string>& values);
  // Consumer-group commits (one group per run; per partition of the topic).
  /// A commit of `offset` for `partition` was sent (its outcome may stay unknown).
  void commit_sent(int32_t partition, int64_t offset);
  /// The coordinator acknowledged it: committed offsets never move backwards.
  void commit_acked(int consumer, int32_t partition, int64_t offset, int64_t now_ms);
  /// The latest acknowledged commit of `partition`, -1 if none (with durable
  /// data also the largest: commits never move backwards).
  int64_t acked_commit(int32_t partition) const;
  /// A member resumed `partition` at the committed offset the coordinator
  /// returned (-1: none); `floor` was acked_commit() when it asked. It must be
  /// at least `floor` and must be an offset somebody tried to commit.
  void group_resumed(int consumer, int32_t partition, int64_t committed, int64_t floor);
  uint64_t commits_acked() const { return commits_acked_; }
  /// An idempotent producer resends these values (same batch, same sequence).
  void resent(const std::vector<std::string>& values) {
    resent_.insert(values.begin(), values.end());
  }
  /// A consumer legitimately moves to `offset` (assignment after a rebalance,
  /// resume at the committed offset): its next poll of `partition` may go back.
  void consumer_seek(int consumer, int32_t partition, int64_t offset);
  void crashed(int64_t now_ms) { last_crash_ms_ = now_ms; }
  void violation(std::string what);

  /// Runs the final checks over the logs read back after the liveness phase.
  void check_final(const std::map<int32_t, std::vector<stored_record>>& logs);

  const std::vector<std::string>& violations() const { return violations_; }
  uint64_t acked_count() const { return acked_count_; }
  uint64_t sent_count() const { return sent_.size(); }
  /// Acknowledged records missing from the final logs that the rules allow
  /// (default flush policy, acknowledged before a crash).
  uint64_t allowed_losses() const { return allowed_losses_; }

private:
  struct sent_info {
    int32_t partition;
    std::string key;
    int64_t key_seq;
  };
  struct ack_info {
    std::string value;
    int64_t at_ms;
  };
  struct seen_info {
    int consumer;
    std::string value;
    int64_t at_ms;
  };
  void check_consistent(int32_t partition, int64_t offset, const seen_info& now);
  void check_log(int32_t p, const std::vector<stored_record>& log,
                 std::map<std::string, int64_t>& where);
  void check_acks(const std::map<int32_t, std::vector<stored_record>>& logs,
                  const std::map<std::string, int64_t>& where);
  void check_seen(const std::map<int32_t, std::vector<stored_record>>& logs,
                  const std::map<std::string, int64_t>& where);

  bool durable_;
  int64_t last_crash_ms_ = -1;
  uint64_t acked_count_ = 0;
  uint64_t allowed_losses_ = 0;
  std::map<std::string, sent_info> sent_;
  std::map<std::pair<int32_t, int64_t>, ack_info> acks_;
  std::map<std::pair<int32_t, int64_t>, std::vector<seen_info>> seen_;
  std::map<std::pair<int, int32_t>, int64_t> consumer_pos_;
  std::vector<std::string> violations_;
  std::set<std::string> tainted_;              // values of produces that got a storage error
  std::set<int32_t> tainted_partitions_;       // partitions with such a produce
  std::set<std::string> resent_;               // values of retried batches
  std::set<std::string> may_repeat_;           // resent under a new producer id
  std::map<int32_t, int64_t> acked_commit_;    // per partition, the latest acked
  std::map<int32_t, int64_t> acked_commit_at_; // and when
  std::map<int32_t, std::set<int64_t>> tried_commits_; // every offset sent in a commit
  uint64_t commits_acked_ = 0;
};

} // namespace caudal::sim
