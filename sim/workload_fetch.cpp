// The reading side of the workload: consumers' fetch loops and the final
// verifier, which reads every partition back from offset 0.
#include "sim/workload.h"

#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "sim/records.h"

namespace caudal::sim {

namespace msg = protocol::msg;

void workload::fetch_step(reader& r) {
  bool verifier = r.id < 0;
  if (verifier && verified_) return;
  if (!get_conn(r.conn)) return loop_.after(backoff(), [this, &r] { fetch_step(r); });
  msg::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = verifier ? 0 : static_cast<int32_t>(loop_.uniform(0, 100));
  req.min_bytes = 1;
  req.max_bytes = 4 << 20;
  req.session_epoch = -1;
  auto& t = req.topics.emplace_back();
  t.topic = cfg_.topic;
  for (int32_t p = 0; p < cfg_.partitions; ++p) {
    auto& fp = t.partitions.emplace_back();
    fp.partition = p;
    fp.fetch_offset = r.pos[static_cast<size_t>(p)];
    fp.partition_max_bytes = 1 << 20;
  }
  r.conn->call<msg::fetch_response>(
      req, 11, [this, &r](const msg::fetch_response* resp) { on_fetched(r, resp); });
}

void workload::on_fetched(reader& r, const void* raw) {
  auto* resp = static_cast<const msg::fetch_response*>(raw);
  if (resp == nullptr || resp->error_code != 0) {
    log(name(r), "fetch failed");
    return loop_.after(backoff(), [this, &r] { fetch_step(r); });
  }
  bool behind = false;
  for (auto& topic : resp->responses) {
    for (auto& pd : topic.partitions) {
      auto p = pd.partition_index;
      if (p < 0 || p >= cfg_.partitions) continue;
      auto& pos = r.pos[static_cast<size_t>(p)];
      if (pd.error_code == 1 && r.id >= 0) { // offset out of range: the log end moved back
        auto to = std::max<int64_t>(0, pd.high_watermark);
        log(name(r),
            "reset p" + std::to_string(p) + " " + std::to_string(pos) + "->" + std::to_string(to));
        history_.consumer_reset(r.id, p, pos, to);
        pos = to;
      } else if (pd.error_code == 0 && pd.records) {
        auto before = pos;
        take_records(r, p, *pd.records);
        if (pos != before)
          log(name(r), "read p" + std::to_string(p) + " [" + std::to_string(before) + "," +
                           std::to_string(pos) + ")");
      }
      if (pd.error_code != 0 || pos < pd.high_watermark) behind = true;
    }
  }
  if (r.id < 0 && !behind) {
    verified_ = true;
    log(name(r), "final logs read");
    return;
  }
  loop_.after(r.id < 0 ? 0 : think(), [this, &r] { fetch_step(r); });
}

void workload::take_records(reader& r, int32_t partition, const protocol::byte_buffer& records) {
  auto err = for_each_record(records, [&](int64_t offset, stored_record&& rec) {
    accept(r, partition, offset, std::move(rec));
  });
  if (!err.empty()) history_.violation("fetch served " + err + " on p" + std::to_string(partition));
}

void workload::accept(reader& r, int32_t partition, int64_t offset, stored_record rec) {
  auto& pos = r.pos[static_cast<size_t>(partition)];
  if (offset < pos) return; // earlier records of a batch that straddles the fetch offset
  if (offset != pos)
    history_.violation(name(r) + " found a gap on p" + std::to_string(partition) +
                       ": expected offset " + std::to_string(pos) + ", got " +
                       std::to_string(offset));
  pos = offset + 1;
  if (r.id < 0)
    final_[partition].push_back(std::move(rec));
  else
    history_.observed(r.id, partition, offset, rec, loop_.now_ms());
}

void workload::start_verify() {
  verifier_ = std::make_unique<reader>();
  verifier_->id = -1;
  verifier_->pos.assign(static_cast<size_t>(cfg_.partitions), 0);
  for (int32_t p = 0; p < cfg_.partitions; ++p) final_[p];
  fetch_step(*verifier_);
}

bool workload::consumers_caught_up() const {
  for (auto& c : consumers_)
    for (int32_t p = 0; p < cfg_.partitions; ++p)
      if (c->pos[static_cast<size_t>(p)] != static_cast<int64_t>(final_.at(p).size())) return false;
  return group_caught_up();
}

// The group has settled when every member is stable in one generation, the
// assignment covers every partition once, and every position is at the end.
bool workload::group_caught_up() const {
  if (members_.empty()) return true;
  std::map<int32_t, int64_t> owned;
  for (auto& m : members_) {
    if (!m->stable() || m->generation() != members_[0]->generation()) return false;
    for (auto& [p, pos] : m->positions())
      if (!owned.emplace(p, pos).second) return false;
  }
  if (static_cast<int32_t>(owned.size()) != cfg_.partitions) return false;
  for (auto& [p, pos] : owned)
    if (pos != static_cast<int64_t>(final_.at(p).size())) return false;
  return true;
}

std::string workload::progress() const {
  std::string s;
  for (auto& p : producers_)
    s += "prod" + std::to_string(p->id) + (p->done ? ":done " : ":running ");
  for (auto& c : consumers_) {
    s += "cons" + std::to_string(c->id) + ":";
    for (auto v : c->pos) s += std::to_string(v) + ",";
    s += " ";
  }
  for (auto& m : members_) s += m->progress();
  return s;
}

} // namespace caudal::sim
