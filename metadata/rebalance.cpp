// rebalance(): see placement.h. Greedy, deterministic (ties go to the lowest
// node id and the first partition in name order), and minimal in the number
// of replicas moved for count balance: every move after the forced ones takes
// one replica off a node above the average onto one below it.

#include <algorithm>
#include <map>
#include <set>

#include "metadata/errors.h"
#include "metadata/placement.h"

namespace caudal::metadata {

namespace {

struct work {
  const image& img;
  std::set<node_id> targets;
  std::map<node_id, int32_t> counts; // replicas per target node
  std::vector<partition_ref> refs;
  std::vector<std::vector<node_id>> sets; // current plan, parallel to refs

  std::string rack(node_id n) const {
    auto* s = img.node(n);
    return s && s->registration.rack ? *s->registration.rack : "";
  }
  size_t rack_spread(const std::vector<node_id>& v) const {
    std::set<std::string> racks;
    for (auto n : v) racks.insert(rack(n));
    return racks.size();
  }
};

bool has(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

work load(const image& img, const std::vector<node_id>& targets) {
  work w{img, {targets.begin(), targets.end()}, {}, {}, {}};
  for (auto n : w.targets) w.counts[n] = 0;
  for (const auto& [name, id] : img.topic_ids)
    for (const auto& [p, st] : img.topics.at(id).partitions) {
      w.refs.push_back({name, id, p});
      w.sets.push_back(st.target_replicas());
      for (auto r : w.sets.back())
        if (w.targets.count(r)) ++w.counts[r];
    }
  return w;
}

/// The target replacing set[i] (which must leave): not yet in the set,
/// preferring a rack the other replicas do not use, then the emptiest node.
std::optional<node_id> replacement(const work& w, const std::vector<node_id>& set, size_t i) {
  std::set<std::string> racks;
  for (size_t j = 0; j < set.size(); ++j)
    if (j != i) racks.insert(w.rack(set[j]));
  std::optional<node_id> best;
  auto key = [&](node_id n) {
    return std::make_tuple(!w.img.is_live(n), racks.count(w.rack(n)), w.counts.at(n), n);
  };
  for (auto n : w.targets)
    if (!has(set, n) && (!best || key(n) < key(*best))) best = n;
  return best;
}

bool evacuate(work& w, std::string& error) {
  for (size_t k = 0; k < w.sets.size(); ++k)
    for (size_t i = 0; i < w.sets[k].size(); ++i) {
      if (w.targets.count(w.sets[k][i])) continue;
      auto to = replacement(w, w.sets[k], i);
      if (!to) {
        error = "Partition " + w.refs[k].topic + "-" + std::to_string(w.refs[k].partition) +
                " has " + std::to_string(w.sets[k].size()) + " replicas but only " +
                std::to_string(w.targets.size()) + " target nodes.";
        return false;
      }
      w.sets[k][i] = *to;
      ++w.counts[*to];
    }
  return true;
}

/// Moves one replica from `from` to `to` in the first partition where that
/// keeps the rack spread, preferring followers so preferred leaders stay.
bool move_one(work& w, node_id from, node_id to) {
  for (int pass = 0; pass < 2; ++pass)
    for (auto& set : w.sets) {
      auto it = std::find(set.begin(), set.end(), from);
      if (it == set.end() || has(set, to) || (pass == 0 && it == set.begin())) continue;
      auto moved = set;
      moved[static_cast<size_t>(it - set.begin())] = to;
      if (w.rack_spread(moved) < w.rack_spread(set)) continue;
      set = std::move(moved);
      --w.counts[from];
      ++w.counts[to];
      return true;
    }
  return false;
}

/// One balancing move, from the fullest donor possible to the emptiest
/// receiver possible; false when no move narrows the spread.
bool balance_step(work& w) {
  std::vector<node_id> order;
  for (auto& [n, c] : w.counts) order.push_back(n);
  std::stable_sort(order.begin(), order.end(),
                   [&](node_id a, node_id b) { return w.counts[a] > w.counts[b]; });
  for (auto donor : order)
    for (auto it = order.rbegin(); it != order.rend(); ++it)
      if (w.counts[donor] - w.counts[*it] >= 2 && w.img.is_live(*it) && move_one(w, donor, *it))
        return true;
  return false;
}

} // namespace

int32_t rebalance_plan::moved_replicas() const {
  int32_t n = 0;
  for (const auto& m : moves)
    for (auto r : m.to) n += has(m.from, r) ? 0 : 1;
  return n;
}

rebalance_plan rebalance(const image& img, const std::vector<node_id>& targets, bool balance) {
  auto w = load(img, targets);
  rebalance_plan out;
  if (!evacuate(w, out.message)) {
    out.error = errc::invalid_replication_factor;
    return out;
  }
  while (balance && balance_step(w)) {
  }
  for (size_t k = 0; k < w.sets.size(); ++k) {
    const auto& st = *img.partition(w.refs[k].topic_id, w.refs[k].partition);
    auto from = st.target_replicas();
    if (from != w.sets[k]) out.moves.push_back({w.refs[k], std::move(from), w.sets[k]});
  }
  return out;
}

} // namespace caudal::metadata
