// Consumers and the verifier: each reads one partition at a time from its
// leader (Fetch v11), positions advancing past whole batches (control
// batches included), records handed to the history.
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "sim/cluster/clients_internal.h"
#include "sim/cluster/log_records.h"

namespace caudal::sim::cluster {

namespace msg = protocol::msg;

void cluster_clients::fetch_step(consumer& c) {
  if (c.id < 0 && verified_) return;
  auto p = c.next_partition;
  c.next_partition = (p + 1) % cfg_.partitions;
  auto leader = c.leaders.find(p);
  auto cn = leader == c.leaders.end() ? nullptr : conn(c, leader->second);
  if (!cn) return refresh(c, [this, &c] { loop_.after(backoff(), [this, &c] { fetch_step(c); }); });
  msg::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = c.id < 0 ? 0 : static_cast<int32_t>(loop_.uniform(0, 50));
  req.min_bytes = 1;
  req.max_bytes = 1 << 20;
  req.session_epoch = -1;
  auto& t = req.topics.emplace_back();
  t.topic = cfg_.topic;
  auto& fp = t.partitions.emplace_back();
  fp.partition = p;
  fp.fetch_offset = c.pos[p];
  fp.partition_max_bytes = 256 << 10;
  cn->call<msg::fetch_response>(req, 11, [this, &c, p](const msg::fetch_response* r) {
    bool shaped = r != nullptr && r->error_code == 0 && r->responses.size() == 1 &&
                  r->responses[0].partitions.size() == 1;
    if (!shaped) return on_fetched(c, p, -1, -1, nullptr);
    auto& pd = r->responses[0].partitions[0];
    if (pd.error_code != 0 || !pd.records) return on_fetched(c, p, pd.error_code, -1, nullptr);
    std::vector<log_batch> batches;
    auto err = split_log_batches(*pd.records, batches);
    std::vector<log_record> records;
    if (err.empty()) err = decode_log_records(*pd.records, records);
    if (!err.empty()) {
      history_.violation("fetch of p" + std::to_string(p) + " served " + err);
      return on_fetched(c, p, -1, -1, nullptr);
    }
    auto& pos = c.pos[p];
    for (auto& rec : records)
      if (rec.offset >= pos) {
        history_.read(c.id < 0 ? 1000 : c.id, p, rec);
        if (c.id < 0) c.read[p].push_back(rec);
      }
    for (auto& b : batches) pos = std::max(pos, b.last_offset + 1);
    on_fetched(c, p, 0, pd.high_watermark, &records);
  });
}

void cluster_clients::on_fetched(consumer& c, int32_t partition, int16_t error, int64_t hw,
                                 const std::vector<log_record>* records) {
  if (error != 0) {
    log_(c.name, "fetch p" + std::to_string(partition) + " failed " + std::to_string(error));
    c.leaders.erase(partition);
    return refresh(c, [this, &c] { loop_.after(backoff(), [this, &c] { fetch_step(c); }); });
  }
  c.hw[partition] = hw;
  if (records != nullptr && !records->empty())
    log_(c.name, "read p" + std::to_string(partition) + " up to " +
                     std::to_string(records->back().offset) + " hw " + std::to_string(hw));
  if (c.id < 0) return verify_step();
  loop_.after(think(), [this, &c] { fetch_step(c); });
}

std::string cluster_clients::verifier_status() const {
  std::string out;
  auto& v = *verifier_;
  for (int32_t p = 0; p < cfg_.partitions; ++p) {
    auto hw = v.hw.count(p) ? v.hw.at(p) : -1;
    out += " p" + std::to_string(p) + ": read to " + std::to_string(v.pos.at(p)) + ", hw " +
           std::to_string(hw) + ", max acked " + std::to_string(history_.max_acked_offset(p)) + ";";
  }
  return out;
}

void cluster_clients::start_verifier() {
  log_("verifier", "start");
  fetch_step(*verifier_);
}

// Done once, for every partition, the verifier's position reached a high
// watermark above every acknowledged offset (the commit covers all acks).
void cluster_clients::verify_step() {
  auto& v = *verifier_;
  bool done = true, behind = false;
  for (int32_t p = 0; p < cfg_.partitions; ++p) {
    auto hw = v.hw.count(p) ? v.hw[p] : -1;
    if (hw <= history_.max_acked_offset(p) || v.pos[p] < hw) done = false;
    if (v.pos[p] < hw) behind = true;
  }
  // Immediately while there is more to read; waiting for a commit, a pause.
  if (!done) return loop_.after(behind ? 0 : 5, [this] { fetch_step(*verifier_); });
  for (int32_t p = 0; p < cfg_.partitions; ++p) {
    final_hw_[p] = v.hw[p];
    history_.final_log(p, v.read[p]);
  }
  verified_ = true;
  log_("verifier", "final logs read");
}

} // namespace caudal::sim::cluster
