// Idempotent producers over a cluster: leader discovery, retries of the same
// batch (same producer id, epoch and base sequence) until acknowledged.
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/record_builder.h"
#include "sim/cluster/clients_internal.h"

namespace caudal::sim::cluster {

namespace msg = protocol::msg;

void cluster_clients::produce_step(producer& p) {
  if (p.done) return;
  if (p.pid < 0) return init_producer(p);
  if (!p.out) next_batch(p);
  send_batch(p);
}

void cluster_clients::init_producer(producer& p) {
  auto cn = any_conn(p);
  if (!cn) return loop_.after(backoff(), [this, &p] { produce_step(p); });
  msg::init_producer_id_request req;
  req.transactional_id.reset();
  req.transaction_timeout_ms = 60000;
  cn->call<msg::init_producer_id_response>(
      req, 4, [this, &p](const msg::init_producer_id_response* r) {
        if (r == nullptr || r->error_code != 0) {
          log_(p.name, "init producer id failed");
          return loop_.after(backoff(), [this, &p] { produce_step(p); });
        }
        p.pid = r->producer_id;
        p.epoch = r->producer_epoch;
        p.next_sequence.clear();
        log_(p.name, "producer id " + std::to_string(p.pid));
        produce_step(p);
      });
}

void cluster_clients::next_batch(producer& p) {
  producer::batch b;
  auto k = static_cast<int>(loop_.uniform(0, cfg_.keys_per_producer - 1));
  b.partition = (p.id * cfg_.keys_per_producer + k) % cfg_.partitions;
  b.key = "P" + std::to_string(p.id) + "-K" + std::to_string(k);
  b.timestamp_ms = 1700000000000 + loop_.now_ms(); // the client's clock
  for (auto n = loop_.uniform(1, cfg_.max_batch); n > 0; --n) {
    auto seq = p.key_seq[static_cast<size_t>(k)]++;
    std::string v = b.key + "-S" + std::to_string(seq) + "-";
    for (auto len = loop_.uniform(0, cfg_.max_filler); len > 0; --len)
      v.push_back(static_cast<char>('a' + loop_.uniform(0, 25)));
    history_.sent(v, b.partition, b.key, seq);
    b.values.push_back(std::move(v));
  }
  p.out = std::move(b);
}

// To the partition's leader as last seen; without one, Metadata first.
void cluster_clients::send_batch(producer& p) {
  auto& b = *p.out;
  auto leader = p.leaders.find(b.partition);
  auto cn = leader == p.leaders.end() ? nullptr : conn(p, leader->second);
  if (!cn)
    return refresh(p, [this, &p] { loop_.after(backoff(), [this, &p] { produce_step(p); }); });
  if (b.base_sequence < 0) b.base_sequence = p.next_sequence[b.partition];
  protocol::batch_builder bb;
  bb.producer(p.pid, p.epoch, b.base_sequence);
  for (auto& v : b.values) bb.add_text(b.timestamp_ms, b.key, v);
  msg::produce_request req;
  req.acks = cfg_.bug_ack_on_leader_append ? int16_t{1} : int16_t{-1};
  req.timeout_ms = 5000;
  auto& td = req.topic_data.emplace_back();
  td.name = cfg_.topic;
  auto& pd = td.partition_data.emplace_back();
  pd.index = b.partition;
  pd.records = bb.build();
  log_(p.name, std::string(b.attempts > 0 ? "retry" : "produce") + " p" +
                   std::to_string(b.partition) + " to n" + std::to_string(leader->second) + " n=" +
                   std::to_string(b.values.size()) + " seq=" + std::to_string(b.base_sequence));
  cn->call<msg::produce_response>(req, 9, [this, &p](const msg::produce_response* r) {
    bool shaped =
        r != nullptr && r->responses.size() == 1 && r->responses[0].partition_responses.size() == 1;
    if (!shaped) return on_produced(p, -1, -1);
    auto& pr = r->responses[0].partition_responses[0];
    on_produced(p, pr.error_code, pr.base_offset);
  });
}

// Retriable errors (NOT_LEADER_OR_FOLLOWER, timeouts, NOT_ENOUGH_REPLICAS,
// a broken connection) resend the same batch after a Metadata refresh. The
// idempotence errors mean the cluster lost the producer's sequence state,
// which replication must never do with flushed, replicated data.
void cluster_clients::on_produced(producer& p, int16_t error, int64_t base) {
  if (error == 0) return on_acked(p, base);
  auto& b = *p.out;
  log_(p.name, "produce p" + std::to_string(b.partition) + " failed " + std::to_string(error));
  ++b.attempts;
  if (error == out_of_order_sequence || error == unknown_producer_id ||
      error == invalid_producer_epoch) {
    history_.violation("idempotence state lost: " + p.name + " got error " + std::to_string(error) +
                       " for " + b.values.front());
    p.pid = -1;
    b.base_sequence = -1;
  }
  p.leaders.erase(b.partition);
  refresh(p, [this, &p] { loop_.after(backoff(), [this, &p] { produce_step(p); }); });
}

void cluster_clients::on_acked(producer& p, int64_t base) {
  auto b = std::move(*p.out);
  p.out.reset();
  p.next_sequence[b.partition] += static_cast<int32_t>(b.values.size());
  for (size_t i = 0; i < b.values.size(); ++i)
    history_.acked(b.partition, base + static_cast<int64_t>(i), b.values[i]);
  log_(p.name, "acked p" + std::to_string(b.partition) + "@" + std::to_string(base) +
                   " n=" + std::to_string(b.values.size()));
  if (liveness_) {
    p.done = true;
    return log_(p.name, "done");
  }
  loop_.after(think(), [this, &p] { produce_step(p); });
}

} // namespace caudal::sim::cluster
