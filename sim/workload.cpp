#include "sim/workload.h"

#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"

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
  for (int i = 0; i < cfg_.group_members; ++i)
    members_.push_back(
        std::make_unique<group_consumer>(group_consumer::env{loop_, node_, history_, trace_, cfg_},
                                         group_consumer::first_member_id + i));
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
    if (on_ready_) on_ready_();
    start_clients();
  });
}

void workload::start_clients() {
  for (auto& p : producers_) loop_.after(think(), [this, pp = p.get()] { produce_step(*pp); });
  for (auto& c : consumers_) loop_.after(think(), [this, cc = c.get()] { fetch_step(*cc); });
  for (auto& m : members_) {
    loop_.after(think(), [mm = m.get()] { mm->start(); });
    schedule_member_restart(*m);
  }
}

void workload::schedule_member_restart(group_consumer& m) {
  if (cfg_.member_restart_max_ms <= 0) return;
  loop_.after(loop_.uniform(1, cfg_.member_restart_max_ms), [this, &m] {
    if (liveness_) return; // the liveness phase has no faults
    m.restart();
    schedule_member_restart(m);
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
  for (auto& m : members_) m->on_disconnect();
}

void workload::begin_liveness() { liveness_ = true; }

bool workload::producers_done() const {
  for (auto& p : producers_)
    if (!p->done) return false;
  return true;
}

} // namespace caudal::sim
