#pragma once
// Small builders shared by the metadata tests.

#include <optional>
#include <string>
#include <vector>

#include "metadata/commands.h"
#include "metadata/image.h"

namespace caudal::metadata::testing {

inline register_node node_reg(node_id id, std::optional<std::string> rack = std::nullopt,
                              uint64_t incarnation = 1) {
  return register_node{
      id,    incarnation,    "host" + std::to_string(id), 9092, "peer" + std::to_string(id),
      19092, std::move(rack)};
}

/// Registers and unfences `id` on the image.
inline void add_live_node(image& img, node_id id, std::optional<std::string> rack = std::nullopt) {
  metadata::apply(img, node_reg(id, std::move(rack)));
  metadata::apply(img, unfence_node{id});
}

inline uuid test_uuid(uint8_t seed) {
  uuid u{};
  u.fill(seed);
  return u;
}

/// Runs create_topics for one topic and applies its records; returns its id.
inline uuid create_topic(image& img, const std::string& name, int32_t partitions, int16_t rf,
                         rng& gen) {
  create_topics_request req;
  req.topics.push_back(new_topic{name, partitions, rf, {}, {}, false});
  auto res = create_topics(img, req, nullptr, gen);
  metadata::apply(img, res.records);
  return res.items.at(0).topic_id;
}

/// Replica count per node over all partitions (target replica sets).
inline std::map<node_id, int> replica_counts(const image& img) {
  std::map<node_id, int> out;
  for (const auto& [id, t] : img.topics)
    for (const auto& [p, st] : t.partitions)
      for (auto n : st.target_replicas()) ++out[n];
  return out;
}

} // namespace caudal::metadata::testing
