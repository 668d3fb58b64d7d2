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

void history::observed(int consumer, int32_t partition, int64_t offset, const stored_record& r) {
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
  seen_[{partition, offset}].push_back(seen_info{consumer, r.value});
}

void history::consumer_reset(int consumer, int32_t partition, int64_t from, int64_t to) {
  if (durable_)
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
    if (!where.emplace(log[i].value, o).second)
      violation("record " + log[i].value + " stored twice (" + at(p, where[log[i].value]) +
                " and " + at(p, o) + ")");
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
      if (durable_ || w != where.end())
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
