// Automatic preferred-leader balancing, as Kafka's auto.leader.rebalance.enable
// (default true) with leader.imbalance.check.interval.seconds (default 300),
// read from the node's config file. Every node checks the partitions it
// leads: one whose preferred replica (the first) is another node, caught up
// and in the ISR, and not in the middle of a move, hands leadership over
// with the same transfer ElectLeaders uses. Unlike Kafka there is no
// leader.imbalance.per.broker.percentage threshold: every misplaced leader
// moves at the next check.

#include <charconv>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/cluster_topic_state.h"

namespace caudal::actors {

namespace {

struct balance_settings {
  bool enabled = true;
  int64_t interval_ms = 300000;
};

std::string config(const cluster_topic_state& st, const std::string& key) {
  auto it = st.args.broker_configs.find(key);
  return it == st.args.broker_configs.end() ? std::string{} : it->second;
}

balance_settings settings_of(const cluster_topic_state& st) {
  balance_settings s;
  auto enable = config(st, "auto.leader.rebalance.enable");
  if (enable == "false") s.enabled = false;
  auto interval = config(st, "leader.imbalance.check.interval.seconds");
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(interval.data(), interval.data() + interval.size(), seconds);
  if (!interval.empty() && (ec != std::errc{} || seconds < 1))
    spdlog::warn("leader.imbalance.check.interval.seconds '{}' ignored (300)", interval);
  else if (!interval.empty())
    s.interval_ms = seconds * 1000;
  return s;
}

void arm(cluster_topic_self self) {
  auto s = settings_of(self->state);
  if (s.enabled)
    self->delayed_send(self, std::chrono::milliseconds(s.interval_ms), balance_atom::value);
}

} // namespace

void start_leader_balancing(cluster_topic_self self) {
  if (self->state.balance_started) return;
  self->state.balance_started = true;
  arm(self);
}

void balance_leaders(cluster_topic_self self) {
  auto& st = self->state;
  const auto& img = *st.image;
  auto me = st.args.node_id;
  for (auto& [key, lp] : st.local) {
    const auto* ps = img.partition(key.first, key.second);
    if (!ps || ps->leader != me || ps->replicas.empty() || ps->replicas.front() == me ||
        ps->reassigning() || !preferred_replica_available(img, *ps))
      continue;
    auto group = lp.topic + "/" + std::to_string(lp.partition);
    self->send(lp.actor, peer_deliver_atom::value, me,
               caf::make_message(std::move(group), elect_atom::value, ps->replicas.front()));
  }
  arm(self);
}

} // namespace caudal::actors
