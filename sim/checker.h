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
//  - liveness is reported by the simulation itself.

#include <cstdint>
#include <map>
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
  void observed(int consumer, int32_t partition, int64_t offset, const stored_record& r);
  void consumer_reset(int consumer, int32_t partition, int64_t from, int64_t to);
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
  };
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
};

} // namespace caudal::sim
