#include "sim/checker.h"

namespace caudal::sim {

namespace {
constexpr size_t max_violations = 20; // the first ones are what matter

std::string at(int32_t p, int64_t o) {
  std::string s = "p"; // appended piecewise: GCC 12 warns (-Wrestrict) on "lit" + string chains
  s.append(std::to_string(p)).append("@").append(std::to_string(o));
  return s;
}
} // namespace

void history::violation(std::string what) {
  if (violations_.size() < max_violations) violations_.push_back(std::move(what));
}

void history::sent(const std::string& value, int32_t partition, const std::string& key,
                   int64_t key_seq) {
  if (!sent_.emplace(value, sent_info{partition, key, key_seq}).second)
    violation("workload sent a payload twice: " + value);
}

void history::acked(int32_t partition, int64_t offset, const std::string& value, int64_t now_ms) {
  ++acked_count_;
  auto [it, fresh] = acks_.emplace(std::make_pair(partition, offset), ack_info{value, now_ms});
  if (fresh) return;
  // The same offset acknowledged twice is legal only if a crash lost the first
  // one (never when durable); the later acknowledgement is the one to check.
  if (durable_ || it->second.at_ms > last_crash_ms_)
    violation("offset " + at(partition, offset) + " acknowledged for " + it->second.value +
              " and again for " + value);
  it->second = ack_info{value, now_ms};
}

void history::observed(int consumer, int32_t partition, int64_t offset, const stored_record& r,
                       int64_t now_ms) {
  auto& pos = consumer_pos_[{consumer, partition}];
  if (offset < pos)
    violation("consumer " + std::to_string(consumer) + " went back from " + at(partition, pos) +
              " to offset " + std::to_string(offset));
  pos = offset + 1;
  auto s = sent_.find(r.value);
  if (s == sent_.end())
    violation("consumer saw a record nobody sent at " + at(partition, offset));
  else if (s->second.key != r.key)
    violation("consumer saw a wrong key at " + at(partition, offset));
  seen_info info{consumer, r.value, now_ms};
  check_consistent(partition, offset, info);
  seen_[{partition, offset}].push_back(std::move(info));
}

// Jepsen's inconsistent-offsets: two reads of one offset that disagree. Legal
// only if the first record could be taken back: unsynced and lost in a crash
// after it was read (default flush), or a tainted record (failed fsync).
void history::check_consistent(int32_t partition, int64_t offset, const seen_info& now) {
  auto it = seen_.find({partition, offset});
  if (it == seen_.end()) return;
  for (auto& before : it->second) {
    if (before.value == now.value) continue;
    bool lost_in_crash = !durable_ && last_crash_ms_ >= before.at_ms;
    if (lost_in_crash || tainted_.count(before.value)) continue;
    violation("inconsistent offsets: " + at(partition, offset) + " read as " + before.value +
              " by consumer " + std::to_string(before.consumer) + " and as " + now.value +
              " by consumer " + std::to_string(now.consumer));
    return;
  }
}

void history::produce_failed(int32_t partition, const std::vector<std::string>& values,
                             int16_t error) {
  if (error != 56) return; // only kafka_storage_error can leave the records in the log
  tainted_partitions_.insert(partition);
  tainted_.insert(values.begin(), values.end());
}

void history::producer_reset(const std::string& producer, int16_t error,
                             const std::vector<std::string>& values) {
  if (durable_)
    violation(producer + " lost its idempotence state (error " + std::to_string(error) +
              ") although every acknowledged write was durable");
  may_repeat_.insert(values.begin(), values.end());
}

void history::commit_sent(int32_t partition, int64_t offset) {
  tried_commits_[partition].insert(offset);
}

void history::commit_acked(int consumer, int32_t partition, int64_t offset, int64_t now_ms) {
  ++commits_acked_;
  acked_commit_at_[partition] = now_ms;
  auto [it, fresh] = acked_commit_.emplace(partition, offset);
  if (fresh) return;
  // Without durable data a crash can move the log end (and so a consumer's
  // position) back; with it, commits only move forward.
  bool may_regress = !durable_ && last_crash_ms_ >= 0;
  if (offset < it->second && !may_regress)
    violation("committed offset moved backwards on p" + std::to_string(partition) + ": " +
              std::to_string(it->second) + " then " + std::to_string(offset) +
              " (acknowledged to consumer " + std::to_string(consumer) + ")");
  it->second = offset; // the latest: what a member resuming later must see (or newer)
}

int64_t history::acked_commit(int32_t partition) const {
  auto it = acked_commit_.find(partition);
  return it == acked_commit_.end() ? -1 : it->second;
}

void history::group_resumed(int consumer, int32_t partition, int64_t committed, int64_t floor) {
  std::string who = "consumer " + std::to_string(consumer) + " on p" + std::to_string(partition);
  // Without durable data, __consumer_offsets follows the default flush policy
  // too: a crash after the acknowledgement may take the commit back.
  auto at = acked_commit_at_.find(partition);
  bool may_regress = !durable_ && at != acked_commit_at_.end() && last_crash_ms_ >= at->second;
  if (committed < floor && !may_regress)
    violation(who + " resumed at committed offset " + std::to_string(committed) +
              " below the acknowledged commit " + std::to_string(floor));
  auto& tried = tried_commits_[partition];
  if (committed >= 0 && !tried.count(committed))
    violation(who + " resumed at offset " + std::to_string(committed) + " nobody committed");
}

void history::consumer_seek(int consumer, int32_t partition, int64_t offset) {
  consumer_pos_[{consumer, partition}] = offset;
}

void history::consumer_reset(int consumer, int32_t partition, int64_t from, int64_t to) {
  if (durable_ && !tainted_partitions_.count(partition))
    violation("consumer " + std::to_string(consumer) + " got out-of-range at " +
              at(partition, from) + " (log end " + std::to_string(to) +
              ") although every visible record was synced");
  consumer_pos_[{consumer, partition}] = to;
}

void history::check_log(int32_t p, const std::vector<stored_record>& log,
                        std::map<std::string, int64_t>& where) {
  std::map<std::string, int64_t> last_seq; // per key
  for (size_t i = 0; i < log.size(); ++i) {
    auto o = static_cast<int64_t>(i);
    auto s = sent_.find(log[i].value);
    if (s == sent_.end()) {
      violation("record nobody sent at " + at(p, o));
      continue;
    }
    if (s->second.partition != p || s->second.key != log[i].key)
      violation("record at " + at(p, o) + " has the wrong partition or key");
    if (!where.emplace(log[i].value, o).second) {
      if (!may_repeat_.count(log[i].value))
        violation("record " + log[i].value + " stored twice (" + at(p, where[log[i].value]) +
                  " and " + at(p, o) + ")");
      continue; // a repeat says nothing more about per-key order
    }
    auto [it, fresh] = last_seq.emplace(log[i].key, s->second.key_seq);
    if (!fresh && s->second.key_seq <= it->second)
      violation("key " + log[i].key + " out of order at " + at(p, o));
    it->second = s->second.key_seq;
  }
}

void history::check_acks(const std::map<int32_t, std::vector<stored_record>>& logs,
                         const std::map<std::string, int64_t>& where) {
  for (auto& [po, ack] : acks_) {
    auto [p, o] = po;
    auto l = logs.find(p);
    bool there = l != logs.end() && o < static_cast<int64_t>(l->second.size()) &&
                 l->second[static_cast<size_t>(o)].value == ack.value;
    if (there) continue;
    auto w = where.find(ack.value);
    if (w != where.end()) {
      violation("acknowledged " + ack.value + " at " + at(p, o) + " but stored at offset " +
                std::to_string(w->second));
    } else if (durable_ || ack.at_ms > last_crash_ms_) {
      violation("acknowledged write lost: " + ack.value + " at " + at(p, o) + " (acked at " +
                std::to_string(ack.at_ms) + " ms)");
    } else {
      ++allowed_losses_;
    }
  }
}

void history::check_seen(const std::map<int32_t, std::vector<stored_record>>& logs,
                         const std::map<std::string, int64_t>& where) {
  for (auto& [po, list] : seen_) {
    auto [p, o] = po;
    auto l = logs.find(p);
    for (auto& s : list) {
      bool there = l != logs.end() && o < static_cast<int64_t>(l->second.size()) &&
                   l->second[static_cast<size_t>(o)].value == s.value;
      if (there) continue;
      auto w = where.find(s.value);
      bool may_vanish = !durable_ || tainted_.count(s.value) > 0;
      // A record lost in a crash after it was read comes back at another
      // offset if its idempotent producer resent it.
      bool may_move = !durable_ && resent_.count(s.value) > 0 && last_crash_ms_ >= s.at_ms;
      if (!may_vanish || (w != where.end() && !may_move))
        violation("consumer " + std::to_string(s.consumer) + " saw " + s.value + " at " + at(p, o) +
                  " but the final log does not hold it there");
    }
  }
}

void history::check_final(const std::map<int32_t, std::vector<stored_record>>& logs) {
  std::map<std::string, int64_t> where; // value -> offset in the final log
  for (auto& [p, log] : logs) check_log(p, log, where);
  check_acks(logs, where);
  check_seen(logs, where);
}

} // namespace caudal::sim
