// Reassignment on a node: image steps -> the local replica's membership.
#include "actors/cluster_topic_reassign.h"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.h"

namespace caudal::actors {

namespace {

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

std::vector<int32_t> voters_of(const metadata::partition_state& ps) {
  // An added replica follows as an observer until the leader reported it in
  // sync (holding every committed entry); the controller then drops it from
  // `adding` in one record, and it votes from then on. One step = one member.
  std::vector<int32_t> out;
  for (auto r : ps.replicas)
    if (!has(ps.adding, r)) out.push_back(r);
  return out;
}

void send_replica_sets(caf::event_based_actor* self, const caf::actor& partition,
                       const metadata::partition_state& ps) {
  self->send(partition, voters_atom::value, ps.replicas, voters_of(ps), ps.removing);
}

bool replica_sets_changed(const metadata::partition_state* before,
                          const metadata::partition_state& after) {
  if (!before) return true;
  if (*before == after) return false;
  if (before->replicas != after.replicas || before->removing != after.removing ||
      voters_of(*before) != voters_of(after))
    return true;
  return after.reassigning();
}

void push_replica_sets(cluster_topic_self self, const metadata::image& before) {
  auto& st = self->state;
  for (auto& [key, lp] : st.local) {
    const auto* now = st.image->partition(key.first, key.second);
    if (now && replica_sets_changed(before.partition(key.first, key.second), *now))
      send_replica_sets(self, lp.actor, *now);
  }
}

namespace {

/// A node the image fenced is back: ISRs the controller trimmed while it was
/// fenced may take it again, so every leader hears its view once more.
bool some_node_unfenced(const metadata::image& before, const metadata::image& after) {
  for (auto& [id, n] : after.nodes) {
    auto* old = before.node(id);
    if (!n.fenced && old && old->fenced) return true;
  }
  return false;
}

} // namespace

void push_leader_views(cluster_topic_self self, const metadata::image& before) {
  auto& st = self->state;
  bool unfenced = some_node_unfenced(before, *st.image);
  for (auto& [key, lp] : st.local) {
    const auto* now = st.image->partition(key.first, key.second);
    const auto* old = before.partition(key.first, key.second);
    if (!now || (!unfenced && old && old->leader == now->leader &&
                 old->leader_epoch == now->leader_epoch && old->isr == now->isr))
      continue;
    self->send(lp.actor, report_atom::value, now->leader, now->leader_epoch, now->isr);
  }
}

} // namespace caudal::actors
