#include "sim/cluster/cluster_history.h"

namespace caudal::sim::cluster {

namespace {
std::string at(int32_t partition, int64_t offset) {
  return "p" + std::to_string(partition) + "@" + std::to_string(offset);
}
} // namespace

void cluster_history::sent(const std::string& value, int32_t partition, const std::string& key,
                           int64_t key_seq) {
  sends_[value] = send_info{partition, key, key_seq};
}

// Idempotent retries may be acknowledged again, but only at the offset of the
// first acknowledgement; an offset acknowledged for two values means two
// leaders both believed they had committed it.
void cluster_history::acked(int32_t partition, int64_t offset, const std::string& value) {
  auto [it, fresh] = acks_.try_emplace(value, partition, offset);
  if (!fresh && it->second != std::make_pair(partition, offset))
    violation("duplicate: " + value + " acknowledged at " + at(partition, offset) + " and at " +
              at(it->second.first, it->second.second));
  auto [o, new_offset] = acked_at_.try_emplace({partition, offset}, value);
  if (!new_offset && o->second != value)
    violation("inconsistent offsets: " + at(partition, offset) + " acknowledged for " + o->second +
              " and for " + value);
}

// Consumers read up to the high watermark only, so what they see is
// committed: it may never change, and a consumer's offsets only grow.
void cluster_history::read(int consumer, int32_t partition, const log_record& rec) {
  auto [last, first] = last_read_.try_emplace({consumer, partition}, rec.offset);
  if (!first) {
    if (rec.offset <= last->second)
      violation("nonmonotonic poll: consumer " + std::to_string(consumer) + " read " +
                at(partition, rec.offset) + " after " + at(partition, last->second));
    last->second = rec.offset;
  }
  auto [r, fresh] = reads_.try_emplace({partition, rec.offset}, rec.value);
  if (!fresh && r->second != rec.value)
    violation("inconsistent offsets: " + at(partition, rec.offset) + " read as " + r->second +
              " and as " + rec.value);
}

void cluster_history::final_log(int32_t partition, std::vector<log_record> records) {
  final_[partition] = std::move(records);
}

int64_t cluster_history::max_acked_offset(int32_t partition) const {
  int64_t m = -1;
  for (auto& [po, v] : acked_at_)
    if (po.first == partition) m = std::max(m, po.second);
  return m;
}

std::vector<std::string> cluster_history::check() const {
  auto out = violations_;
  check_stored(out);
  check_lost_writes(out);
  check_reads(out);
  return out;
}

// Lost write: every acknowledged value is in the final log at its offset.
void cluster_history::check_lost_writes(std::vector<std::string>& out) const {
  std::map<std::pair<int32_t, int64_t>, const log_record*> index;
  for (auto& [p, log] : final_)
    for (auto& r : log) index[{p, r.offset}] = &r;
  for (auto& [value, po] : acks_) {
    auto it = index.find(po);
    if (it == index.end())
      out.push_back("lost write: " + value + " acknowledged at " + at(po.first, po.second) +
                    " is not in the final log");
    else if (it->second->value != value)
      out.push_back("lost write: " + value + " acknowledged at " + at(po.first, po.second) +
                    " but the final log has " + it->second->value + " there");
  }
}

// Every stored record was sent to that partition with that key, once, and
// the records of one key keep their send order.
void cluster_history::check_stored(std::vector<std::string>& out) const {
  std::map<std::string, std::pair<int32_t, int64_t>> seen;
  for (auto& [p, log] : final_) {
    std::map<std::string, int64_t> key_seq;
    int64_t prev = -1;
    for (auto& r : log) {
      if (r.offset <= prev)
        out.push_back("offsets not increasing: " + at(p, r.offset) + " after " + at(p, prev));
      prev = r.offset;
      auto s = sends_.find(r.value);
      if (s == sends_.end() || s->second.partition != p || s->second.key != r.key) {
        out.push_back("phantom: " + at(p, r.offset) + " holds " + r.value + " never sent there");
        continue;
      }
      auto [d, fresh] = seen.try_emplace(r.value, p, r.offset);
      if (!fresh)
        out.push_back("duplicate: " + r.value + " stored at " +
                      at(d->second.first, d->second.second) + " and " + at(p, r.offset));
      auto [k, first] = key_seq.try_emplace(r.key, s->second.key_seq);
      if (!first && s->second.key_seq <= k->second)
        out.push_back("per-key order: " + r.value + " at " + at(p, r.offset) + " after sequence " +
                      std::to_string(k->second) + " of its key");
      k->second = std::max(k->second, s->second.key_seq);
    }
  }
}

// What a consumer read was committed: the final log has it at that offset.
void cluster_history::check_reads(std::vector<std::string>& out) const {
  std::map<std::pair<int32_t, int64_t>, const std::string*> index;
  for (auto& [p, log] : final_)
    for (auto& r : log) index[{p, r.offset}] = &r.value;
  for (auto& [po, value] : reads_) {
    auto it = index.find(po);
    if (it == index.end() || *it->second != value)
      out.push_back("inconsistent offsets: " + value + " read at " + at(po.first, po.second) +
                    " is not in the final log there");
  }
}

} // namespace caudal::sim::cluster
