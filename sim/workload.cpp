#include "sim/workload.h"

#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "protocol/record_builder.h"

namespace caudal::sim {

namespace msg = protocol::msg;

workload::workload(sim_loop& loop, sim_node& node, history& h, trace_log& trace,
                   workload_config cfg)
    : loop_(loop), node_(node), history_(h), trace_(trace), cfg_(std::move(cfg)) {
  for (int i = 0; i < cfg_.producers; ++i) {
    auto p = std::make_unique<producer>();
    p->id = i;
    p->key_seq.assign(static_cast<size_t>(cfg_.keys_per_producer), 0);
    producers_.push_back(std::move(p));
  }
  for (int i = 0; i < cfg_.consumers; ++i) {
    auto r = std::make_unique<reader>();
    r->id = i;
    r->pos.assign(static_cast<size_t>(cfg_.partitions), 0);
    consumers_.push_back(std::move(r));
  }
}

bool workload::get_conn(std::shared_ptr<connection>& c) {
  if (c && c->alive()) return true;
  if (!node_.up()) return false;
  c = std::make_shared<connection>(loop_, cfg_.max_latency_ms);
  c->attach(node_.connect(c->sink()));
  return true;
}

void workload::start() { create_topic(); }

void workload::create_topic() {
  if (!get_conn(admin_)) return loop_.after(backoff(), [this] { create_topic(); });
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = cfg_.topic;
  t.num_partitions = cfg_.partitions;
  t.replication_factor = 1;
  for (auto& [k, v] : cfg_.topic_configs) {
    auto& c = t.configs.emplace_back();
    c.name = k;
    c.value = v;
  }
  req.timeout_ms = 30000;
  log("admin", "create topic " + cfg_.topic);
  admin_->call<msg::create_topics_response>(req, 7, [this](const msg::create_topics_response* r) {
    int16_t err = r == nullptr || r->topics.size() != 1 ? int16_t{-1} : r->topics[0].error_code;
    log("admin", "create topic -> " + std::to_string(err));
    if (err != 0 && err != 36) return loop_.after(backoff(), [this] { create_topic(); });
    for (auto& p : producers_) loop_.after(think(), [this, pp = p.get()] { produce_step(*pp); });
    for (auto& c : consumers_) loop_.after(think(), [this, cc = c.get()] { fetch_step(*cc); });
  });
}

void workload::on_crash() {
  for (auto* c : {&admin_})
    if (*c) (*c)->drop();
  for (auto& p : producers_)
    if (p->conn) p->conn->drop();
  for (auto& c : consumers_)
    if (c->conn) c->conn->drop();
  if (verifier_ && verifier_->conn) verifier_->conn->drop();
}

void workload::begin_liveness() { liveness_ = true; }

bool workload::producers_done() const {
  for (auto& p : producers_)
    if (!p->done) return false;
  return true;
}

void workload::produce_step(producer& p) {
  if (p.done) return;
  if (!get_conn(p.conn)) return loop_.after(backoff(), [this, &p] { produce_step(p); });
  auto k = static_cast<int>(loop_.uniform(0, cfg_.keys_per_producer - 1));
  auto partition = (p.id * cfg_.keys_per_producer + k) % cfg_.partitions;
  std::string key = "P" + std::to_string(p.id) + "-K" + std::to_string(k);
  auto n = loop_.uniform(1, cfg_.max_batch);
  protocol::batch_builder b;
  std::vector<std::string> values;
  for (int64_t i = 0; i < n; ++i) {
    auto seq = p.key_seq[static_cast<size_t>(k)]++;
    std::string v = key + "-S" + std::to_string(seq) + "-";
    for (auto len = loop_.uniform(0, cfg_.max_filler); len > 0; --len)
      v.push_back(static_cast<char>('a' + loop_.uniform(0, 25)));
    b.add_text(1700000000000 + loop_.now_ms(), key, v);
    history_.sent(v, partition, key, seq);
    values.push_back(std::move(v));
  }
  msg::produce_request req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& pd = req.topic_data.emplace_back();
  pd.name = cfg_.topic;
  auto& part = pd.partition_data.emplace_back();
  part.index = partition;
  part.records = b.build();
  bool final = liveness_;
  log(name(p), "produce p" + std::to_string(partition) + " n=" + std::to_string(n) + " " + key);
  p.conn->call<msg::produce_response>(
      req, 9, [this, &p, partition, values, final](const msg::produce_response* r) {
        bool shaped = r != nullptr && r->responses.size() == 1 &&
                      r->responses[0].partition_responses.size() == 1;
        if (!shaped) return on_produced(p, partition, values, final, -1, -1);
        auto& pr = r->responses[0].partition_responses[0];
        on_produced(p, partition, values, final, pr.error_code, pr.base_offset);
      });
}

void workload::on_produced(producer& p, int32_t partition, const std::vector<std::string>& values,
                           bool final, int16_t error, int64_t base) {
  if (error != 0) {
    // Unknown outcome (broken connection or error): not retried, see header.
    log(name(p), "produce p" + std::to_string(partition) + " failed " + std::to_string(error));
    return loop_.after(backoff(), [this, &p] { produce_step(p); });
  }
  for (size_t i = 0; i < values.size(); ++i)
    history_.acked(partition, base + static_cast<int64_t>(i), values[i], loop_.now_ms());
  log(name(p), "acked p" + std::to_string(partition) + "@" + std::to_string(base) +
                   " n=" + std::to_string(values.size()));
  if (final) {
    p.done = true;
    log(name(p), "done");
    return;
  }
  loop_.after(think(), [this, &p] { produce_step(p); });
}

} // namespace caudal::sim
