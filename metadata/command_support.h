#pragma once
// Helpers shared by the command implementations (not part of the public API).

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "metadata/commands.h"

namespace caudal::metadata::detail {

inline bool contains(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}
inline bool has_duplicates(std::vector<node_id> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) != v.end();
}
/// Members of `a` (in order) that are also in `b`.
inline std::vector<node_id> intersect(const std::vector<node_id>& a,
                                      const std::vector<node_id>& b) {
  std::vector<node_id> out;
  for (auto n : a)
    if (contains(b, n)) out.push_back(n);
  return out;
}
/// Members of `a` (in order) that are not in `b`.
inline std::vector<node_id> subtract(const std::vector<node_id>& a, const std::vector<node_id>& b) {
  std::vector<node_id> out;
  for (auto n : a)
    if (!contains(b, n)) out.push_back(n);
  return out;
}

/// The partition_change turning `from` into `to`, carrying only the fields
/// that differ; nullopt when the two are equal.
std::optional<partition_change> diff(const uuid& topic, int32_t partition,
                                     const partition_state& from, const partition_state& to);

/// If every target replica is in the ISR, the state with the reassignment
/// finished (leaving replicas dropped; a leaving leader loses leadership).
partition_state maybe_complete(partition_state st);

/// Changes dropping `id` from every ISR (unless it is the last member) and
/// from leadership: what fencing, or a new incarnation, implies.
std::vector<record> drop_from_isrs(const image& img, node_id id);

inline item_result ok_item(std::string name) { return {std::move(name), 0, {}, {}}; }
inline item_result error_item(std::string name, int16_t code, std::string message) {
  return {std::move(name), code, std::move(message), {}};
}

} // namespace caudal::metadata::detail
