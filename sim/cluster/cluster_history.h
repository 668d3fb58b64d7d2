#pragma once
// What the clients of a multi-node run did and saw, and the invariants over
// it (Jepsen's Kafka checks plus the replication ones). Values are unique in
// a run ("P<producer>-K<key>-S<seq>-<filler>"), so every stored record can be
// traced back to the send that produced it.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace caudal::sim::cluster {

/// One data record of a log (control batches are not records here).
struct log_record {
  int64_t offset = 0;
  std::string key;
  std::string value;
};

class cluster_history {
public:
  void sent(const std::string& value, int32_t partition, const std::string& key, int64_t key_seq);
  void acked(int32_t partition, int64_t offset, const std::string& value);
  /// A consumer read `rec` at its offset; `consumer` keys the monotonicity check.
  void read(int consumer, int32_t partition, const log_record& rec);
  /// The final log of a partition as its final leader serves it (up to the HW).
  void final_log(int32_t partition, std::vector<log_record> records);
  void violation(std::string what) { violations_.push_back(std::move(what)); }

  /// Runs the end-of-run checks; returns every violation found (also the
  /// ones recorded while running).
  std::vector<std::string> check() const;
  uint64_t sent_count() const { return sends_.size(); }
  uint64_t acked_count() const { return acks_.size(); }
  int64_t max_acked_offset(int32_t partition) const;

private:
  struct send_info {
    int32_t partition = 0;
    std::string key;
    int64_t key_seq = 0;
  };
  void check_lost_writes(std::vector<std::string>& out) const;
  void check_stored(std::vector<std::string>& out) const;
  void check_reads(std::vector<std::string>& out) const;

  std::map<std::string, send_info> sends_;
  std::map<std::string, std::pair<int32_t, int64_t>> acks_;     // value -> (partition, offset)
  std::map<std::pair<int32_t, int64_t>, std::string> acked_at_; // (partition, offset) -> value
  std::map<std::pair<int32_t, int64_t>, std::string> reads_;    // first read of each offset
  std::map<std::pair<int, int32_t>, int64_t> last_read_;        // (consumer, partition)
  std::map<int32_t, std::vector<log_record>> final_;            // partition -> final log
  std::vector<std::string> violations_;
};

} // namespace caudal::sim::cluster
