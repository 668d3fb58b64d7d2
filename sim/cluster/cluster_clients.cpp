// Client plumbing: connections per (client, node), leader discovery with
// Metadata, topic creation, and the phases the harness drives.
#include "sim/cluster/cluster_clients.h"

#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/metadata_response.h"
#include "sim/cluster/clients_internal.h"

namespace caudal::sim::cluster {

namespace msg = protocol::msg;

cluster_clients::cluster_clients(sim_loop& loop, std::vector<cluster_node*> nodes,
                                 cluster_history& h, log_fn log, clients_config cfg)
    : loop_(loop), nodes_(std::move(nodes)), history_(h), log_(std::move(log)),
      cfg_(std::move(cfg)) {
  admin_ = std::make_unique<client>();
  admin_->name = "admin";
  for (int i = 0; i < cfg_.producers; ++i) {
    auto p = std::make_unique<producer>();
    p->id = i;
    p->name = "prod" + std::to_string(i);
    p->key_seq.assign(static_cast<size_t>(cfg_.keys_per_producer), 0);
    producers_.push_back(std::move(p));
  }
  for (int i = 0; i <= cfg_.consumers; ++i) { // the last one is the verifier
    auto c = std::make_unique<consumer>();
    c->id = i == cfg_.consumers ? -1 : i;
    c->name = c->id < 0 ? "verifier" : "cons" + std::to_string(i);
    for (int32_t p = 0; p < cfg_.partitions; ++p) c->pos[p] = 0;
    (c->id < 0 ? verifier_ : consumers_.emplace_back()) = std::move(c);
  }
}

cluster_clients::~cluster_clients() = default;

std::shared_ptr<connection> cluster_clients::conn(client& c, int32_t node) {
  auto& slot = c.conns[node];
  if (slot && slot->alive()) return slot;
  for (auto* n : nodes_) {
    if (n->id() != node || !n->up()) continue;
    slot = std::make_shared<connection>(loop_, cfg_.max_latency_ms);
    slot->attach(n->connect(slot->sink()));
    return slot;
  }
  return nullptr;
}

// A client knows every node (bootstrap servers) and asks a random live one.
std::shared_ptr<connection> cluster_clients::any_conn(client& c) {
  std::vector<int32_t> up;
  for (auto* n : nodes_)
    if (n->up()) up.push_back(n->id());
  if (up.empty()) return nullptr;
  return conn(c, up[static_cast<size_t>(loop_.uniform(0, static_cast<int64_t>(up.size()) - 1))]);
}

void cluster_clients::refresh(client& c, std::function<void()> then) {
  auto cn = any_conn(c);
  if (!cn) return loop_.after(backoff(), std::move(then));
  msg::metadata_request req;
  req.topics.emplace();
  req.topics->emplace_back().name = cfg_.topic;
  req.allow_auto_topic_creation = false;
  cn->call<msg::metadata_response>(req, 9, [this, &c, then](const msg::metadata_response* r) {
    if (r != nullptr)
      for (auto& t : r->topics) {
        if (t.name != cfg_.topic) continue;
        for (auto& p : t.partitions) {
          if (p.error_code == 0 && p.leader_id >= 0)
            c.leaders[p.partition_index] = p.leader_id;
          else
            c.leaders.erase(p.partition_index);
        }
      }
    loop_.after(r == nullptr ? backoff() : 0, then);
  });
}

void cluster_clients::start() { create_topic(); }

void cluster_clients::create_topic() {
  auto cn = any_conn(*admin_);
  if (!cn) return loop_.after(backoff(), [this] { create_topic(); });
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = cfg_.topic;
  t.num_partitions = cfg_.partitions;
  t.replication_factor = cfg_.replication_factor;
  auto& c = t.configs.emplace_back();
  c.name = "min.insync.replicas";
  c.value = "2";
  req.timeout_ms = 30000;
  log_("admin", "create topic " + cfg_.topic);
  cn->call<msg::create_topics_response>(req, 7, [this](const msg::create_topics_response* r) {
    int16_t err = r == nullptr || r->topics.size() != 1 ? int16_t{-1} : r->topics[0].error_code;
    log_("admin", "create topic -> " + std::to_string(err));
    if (err != 0 && err != topic_already_exists)
      return loop_.after(backoff() * 5, [this] { create_topic(); });
    if (topic_ready_) return;
    topic_ready_ = true;
    start_clients();
  });
}

void cluster_clients::start_clients() {
  for (auto& p : producers_) loop_.after(think(), [this, pp = p.get()] { produce_step(*pp); });
  for (auto& c : consumers_) loop_.after(think(), [this, cc = c.get()] { fetch_step(*cc); });
}

void cluster_clients::node_crashed(int32_t node) {
  std::vector<client*> all{admin_.get(), verifier_.get()};
  for (auto& p : producers_) all.push_back(p.get());
  for (auto& c : consumers_) all.push_back(c.get());
  for (auto* c : all) {
    auto it = c->conns.find(node);
    if (it != c->conns.end() && it->second) it->second->drop();
  }
}

void cluster_clients::begin_liveness() { liveness_ = true; }

bool cluster_clients::producers_done() const {
  for (auto& p : producers_)
    if (!p->done) return false;
  return true;
}

bool cluster_clients::consumers_caught_up() const {
  for (auto& c : consumers_)
    for (auto& [p, hw] : final_hw_)
      if (c->pos.at(p) < hw) return false;
  return true;
}

int32_t cluster_clients::leader_of(int32_t partition) const {
  int32_t best = -1;
  for (auto& p : producers_) {
    auto it = p->leaders.find(partition);
    if (it != p->leaders.end()) best = it->second;
  }
  return best;
}

} // namespace caudal::sim::cluster
