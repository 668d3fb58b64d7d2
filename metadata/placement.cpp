#include "metadata/placement.h"

#include <algorithm>
#include <map>
#include <set>

#include "metadata/errors.h"

namespace caudal::metadata {

namespace {

/// Nodes ordered rack by rack (r1[0], r2[0], r3[0], r1[1], ...), so walking
/// the list alternates racks; racks and nodes inside a rack sorted for
/// determinism.
std::vector<node_slot> interleave_racks(std::vector<node_slot> nodes) {
  std::sort(nodes.begin(), nodes.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::map<std::string, std::vector<node_slot>> by_rack;
  for (auto& n : nodes) by_rack[n.rack.value_or("")].push_back(n);
  std::vector<node_slot> out;
  for (size_t round = 0; out.size() < nodes.size(); ++round)
    for (auto& [rack, members] : by_rack)
      if (round < members.size()) out.push_back(members[round]);
  return out;
}

/// The followers of one partition: candidates in order after the leader,
/// taken in levels so that no rack gets a second replica before every rack
/// has one (and so on).
std::vector<node_id> pick_replicas(const std::vector<node_slot>& ring, size_t leader, size_t shift,
                                   size_t rf) {
  size_t n = ring.size();
  std::vector<size_t> order; // every index but the leader, starting `shift` after it
  for (size_t j = 0; j + 1 < n; ++j) order.push_back((leader + 1 + (shift + j) % (n - 1)) % n);
  std::vector<node_id> out{ring[leader].id};
  std::map<std::string, size_t> per_rack{{ring[leader].rack.value_or(""), 1}};
  std::set<size_t> taken{leader};
  for (size_t level = 1; out.size() < rf; ++level) {
    for (size_t i : order) {
      auto rack = ring[i].rack.value_or("");
      if (out.size() == rf || taken.count(i) || per_rack[rack] >= level) continue;
      out.push_back(ring[i].id);
      taken.insert(i);
      ++per_rack[rack];
    }
  }
  return out;
}

} // namespace

std::vector<node_slot> live_slots(const image& img) {
  std::vector<node_slot> out;
  for (auto id : img.live_nodes()) out.push_back({id, img.nodes.at(id).registration.rack});
  return out;
}

placement place_replicas(std::vector<node_slot> nodes, int32_t partitions,
                         int32_t replication_factor, rng& gen) {
  if (partitions < 1)
    return {errc::invalid_partitions, "Number of partitions must be larger than 0.", {}};
  if (partitions > max_placed_partitions)
    return {errc::invalid_partitions,
            "Cannot place more than " + std::to_string(max_placed_partitions) +
                " partitions at once.",
            {}};
  if (replication_factor < 1)
    return {errc::invalid_replication_factor, "Replication factor must be larger than 0.", {}};
  if (static_cast<size_t>(replication_factor) > nodes.size())
    return {errc::invalid_replication_factor,
            "Replication factor: " + std::to_string(replication_factor) +
                " larger than available brokers: " + std::to_string(nodes.size()) + ".",
            {}};
  auto ring = interleave_racks(std::move(nodes));
  size_t n = ring.size();
  size_t start = gen() % n;
  size_t shift0 = gen() % n;
  placement out;
  for (size_t p = 0; p < static_cast<size_t>(partitions); ++p) {
    // The gap grows each time the leaders wrap around the ring, so the same
    // leader gets different followers in each round (as Kafka does).
    size_t shift = n > 1 ? (shift0 + (start + p) / n) % (n - 1) : 0;
    out.replicas.push_back(
        pick_replicas(ring, (start + p) % n, shift, static_cast<size_t>(replication_factor)));
  }
  return out;
}

} // namespace caudal::metadata
