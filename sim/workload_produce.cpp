// The producing side of the workload: plain acks=-1 producers that never
// retry, and idempotent producers that retry the same batch (same producer
// id, epoch and base sequence) until it is acknowledged.
#include "sim/workload.h"

#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/record_builder.h"

namespace caudal::sim {

namespace msg = protocol::msg;

namespace {
constexpr int16_t out_of_order_sequence = 45;
constexpr int16_t invalid_producer_epoch = 47;
constexpr int16_t unknown_producer_id = 59;
} // namespace

void workload::produce_step(producer& p) {
  if (p.done) return;
  if (!get_conn(p.conn)) return loop_.after(backoff(), [this, &p] { produce_step(p); });
  if (cfg_.idempotent && p.pid < 0) return init_producer(p);
  if (!p.out) p.out = next_batch(p);
  send_batch(p, liveness_);
}

void workload::init_producer(producer& p) {
  msg::init_producer_id_request req;
  req.transactional_id.reset();
  req.transaction_timeout_ms = 60000;
  p.conn->call<msg::init_producer_id_response>(
      req, 4, [this, &p](const msg::init_producer_id_response* r) {
        if (r == nullptr || r->error_code != 0) {
          log(name(p), "init producer id failed");
          return loop_.after(backoff(), [this, &p] { produce_step(p); });
        }
        p.pid = r->producer_id;
        p.epoch = r->producer_epoch;
        p.next_sequence.clear();
        log(name(p), "producer id " + std::to_string(p.pid) + " epoch " + std::to_string(p.epoch));
        produce_step(p);
      });
}

workload::outgoing workload::next_batch(producer& p) {
  outgoing o;
  auto k = static_cast<int>(loop_.uniform(0, cfg_.keys_per_producer - 1));
  o.partition = (p.id * cfg_.keys_per_producer + k) % cfg_.partitions;
  o.key = "P" + std::to_string(p.id) + "-K" + std::to_string(k);
  o.timestamp_ms = 1700000000000 + loop_.now_ms(); // the client's clock
  for (auto n = loop_.uniform(1, cfg_.max_batch); n > 0; --n) {
    auto seq = p.key_seq[static_cast<size_t>(k)]++;
    std::string v = o.key + "-S" + std::to_string(seq) + "-";
    for (auto len = loop_.uniform(0, cfg_.max_filler); len > 0; --len)
      v.push_back(static_cast<char>('a' + loop_.uniform(0, 25)));
    history_.sent(v, o.partition, o.key, seq);
    o.values.push_back(std::move(v));
  }
  return o;
}

protocol::byte_buffer workload::build_records(const producer& p, const outgoing& o) const {
  protocol::batch_builder b;
  bool strip = cfg_.retry_without_pid && o.attempts > 0; // the injected bug
  if (cfg_.idempotent && !strip) b.producer(p.pid, p.epoch, o.base_sequence);
  for (auto& v : o.values) b.add_text(o.timestamp_ms, o.key, v);
  return b.build();
}

void workload::send_batch(producer& p, bool final) {
  auto& o = *p.out;
  if (cfg_.idempotent && o.base_sequence < 0) o.base_sequence = p.next_sequence[o.partition];
  msg::produce_request req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& pd = req.topic_data.emplace_back();
  pd.name = cfg_.topic;
  auto& part = pd.partition_data.emplace_back();
  part.index = o.partition;
  part.records = build_records(p, o);
  if (o.attempts > 0) history_.resent(o.values);
  log(name(p), std::string(o.attempts > 0 ? "retry" : "produce") + " p" +
                   std::to_string(o.partition) + " n=" + std::to_string(o.values.size()) + " " +
                   o.key + (cfg_.idempotent ? " seq=" + std::to_string(o.base_sequence) : ""));
  p.conn->call<msg::produce_response>(req, 9, [this, &p, final](const msg::produce_response* r) {
    bool shaped =
        r != nullptr && r->responses.size() == 1 && r->responses[0].partition_responses.size() == 1;
    if (!shaped) return on_produced(p, final, -1, -1);
    auto& pr = r->responses[0].partition_responses[0];
    on_produced(p, final, pr.error_code, pr.base_offset);
  });
}

void workload::on_produced(producer& p, bool final, int16_t error, int64_t base) {
  if (error == 0) return on_acked(p, final, base);
  auto& o = *p.out;
  log(name(p), "produce p" + std::to_string(o.partition) + " failed " + std::to_string(error));
  if (error > 0) history_.produce_failed(o.partition, o.values, error);
  retry_or_drop(p, error);
  loop_.after(backoff(), [this, &p] { produce_step(p); });
}

// A plain producer drops a batch whose outcome it does not know (see the
// header); an idempotent one resends it, unless its sequence state is gone:
// then it starts over with a new producer id (KIP-360 would bump the epoch)
// and the batch, resent under it, may legitimately be stored twice.
void workload::retry_or_drop(producer& p, int16_t error) {
  auto& o = *p.out;
  if (!cfg_.idempotent) return p.out.reset();
  ++o.attempts;
  if (error != out_of_order_sequence && error != unknown_producer_id &&
      error != invalid_producer_epoch)
    return;
  history_.producer_reset(name(p), error, o.values);
  p.pid = -1;
  o.base_sequence = -1;
}

void workload::on_acked(producer& p, bool final, int64_t base) {
  auto o = std::move(*p.out);
  p.out.reset();
  if (cfg_.idempotent) p.next_sequence[o.partition] += static_cast<int32_t>(o.values.size());
  for (size_t i = 0; i < o.values.size(); ++i)
    history_.acked(o.partition, base + static_cast<int64_t>(i), o.values[i], loop_.now_ms());
  log(name(p), "acked p" + std::to_string(o.partition) + "@" + std::to_string(base) +
                   " n=" + std::to_string(o.values.size()));
  if (final) {
    p.done = true;
    log(name(p), "done");
    return;
  }
  loop_.after(think(), [this, &p] { produce_step(p); });
}

} // namespace caudal::sim
