#include "cmd/reassign_plan.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "cmd/cli_common.h"
#include "cmd/wire_client.h"
#include "metadata/placement.h"

namespace caudal::cmd {
namespace {

namespace msg = protocol::msg;

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const pending_move* find_pending(const cluster_view& view, const std::string& topic, int32_t p) {
  for (const auto& m : view.pending)
    if (m.topic == topic && m.partition == p) return &m;
  return nullptr;
}

// A stable made-up topic id per position: the planner keys topics by id, the wire by name.
metadata::uuid topic_uuid(size_t index) {
  metadata::uuid id{};
  id[0] = 1;
  for (int i = 0; i < 8; ++i) id[15 - i] = static_cast<uint8_t>(index >> (8 * i));
  return id;
}

void add_nodes(const cluster_view& view, metadata::image& img) {
  for (const auto& b : view.brokers) {
    metadata::node_state n;
    n.registration.id = b.id;
    n.registration.host = b.host;
    n.registration.port = static_cast<uint16_t>(b.port);
    n.registration.rack = b.rack;
    n.fenced = false;
    img.nodes[b.id] = n;
  }
  // Nodes replicas name but Metadata does not list are down, fenced or decommissioned:
  // known to the planner (for racks and counts) but not live, so replicas leave them.
  for (const auto& t : view.topics)
    for (const auto& p : t.partitions)
      for (auto r : p.replicas)
        if (!img.nodes.count(r)) {
          metadata::node_state n;
          n.registration.id = r;
          img.nodes[r] = n;
        }
}

metadata::topic_state topic_state_of(const cluster_view& view, const view_topic& t,
                                     const metadata::uuid& id) {
  metadata::topic_state ts;
  ts.name = t.name;
  ts.id = id;
  ts.internal = t.internal;
  for (const auto& p : t.partitions) {
    metadata::partition_state ps;
    ps.replicas = p.replicas;
    ps.leader = p.leader;
    ps.isr = p.isr;
    if (const auto* m = find_pending(view, t.name, p.id)) {
      ps.adding = m->adding;
      ps.removing = m->removing;
    }
    ts.partitions[p.id] = std::move(ps);
  }
  return ts;
}

// The first replacement of `to` applied to `from` (a pure reorder is returned whole): the
// controller accepts one added and one removed replica per reassignment.
std::vector<int32_t> one_step(const std::vector<int32_t>& from, const std::vector<int32_t>& to) {
  for (size_t i = 0; i < from.size() && i < to.size(); ++i)
    if (from[i] != to[i] && !has(from, to[i])) {
      auto out = from;
      out[i] = to[i];
      return out;
    }
  return to;
}

// The first set (not fixed) led by `donor` that holds `receiver`: its leader moves there.
bool move_leadership(std::vector<std::vector<int32_t>>& sets, const std::vector<bool>& fixed,
                     int32_t donor, int32_t receiver) {
  for (size_t k = 0; k < sets.size(); ++k) {
    auto& s = sets[k];
    if (fixed[k] || s.empty() || s.front() != donor) continue;
    auto it = std::find(s.begin(), s.end(), receiver);
    if (it == s.end()) continue;
    std::iter_swap(s.begin(), it);
    return true;
  }
  return false;
}

// Sets whose first replica is not live get the live member leading the fewest sets.
void front_live(std::vector<std::vector<int32_t>>& sets, const std::vector<bool>& fixed,
                std::map<int32_t, int32_t>& counts) {
  for (size_t k = 0; k < sets.size(); ++k) {
    auto& s = sets[k];
    if (fixed[k] || s.empty() || counts.count(s.front())) continue;
    auto best = s.end();
    for (auto it = s.begin(); it != s.end(); ++it)
      if (counts.count(*it) && (best == s.end() || counts[*it] < counts[*best])) best = it;
    if (best == s.end()) continue;
    std::iter_swap(s.begin(), best);
    ++counts[s.front()];
  }
}

void plan_topic(const cluster_view& view, const view_topic& t, rebalance_outcome& out) {
  auto img = image_from_view(view, {t.name});
  auto plan = metadata::rebalance(img, view.broker_ids());
  if (plan.error != 0) {
    out.error = plan.message + " (" + kafka_error_name(plan.error) + ")";
    return;
  }
  std::vector<std::vector<int32_t>> current, sets;
  std::vector<bool> fixed;
  for (const auto& p : t.partitions) {
    const auto& ps = img.topics.begin()->second.partitions.at(p.id);
    current.push_back(ps.target_replicas());
    fixed.push_back(ps.reassigning());
    if (ps.reassigning()) out.pending.push_back({t.name, p.id});
  }
  sets = current;
  for (const auto& m : plan.moves) {
    auto k = static_cast<size_t>(
        std::find_if(t.partitions.begin(), t.partitions.end(),
                     [&](const auto& p) { return p.id == m.partition.partition; }) -
        t.partitions.begin());
    if (k >= sets.size() || fixed[k]) continue;
    sets[k] = one_step(m.from, m.to);
    if (sets[k] != m.to) ++out.need_more_steps;
  }
  spread_preferred_leaders(sets, view.broker_ids(), fixed);
  for (size_t k = 0; k < sets.size(); ++k)
    if (!fixed[k] && sets[k] != current[k])
      out.moves.push_back({t.name, t.partitions[k].id, current[k], sets[k]});
}

} // namespace

const view_topic* cluster_view::topic(const std::string& name) const {
  for (const auto& t : topics)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<int32_t> cluster_view::broker_ids() const {
  std::vector<int32_t> out;
  for (const auto& b : brokers) out.push_back(b.id);
  return out;
}

cluster_view view_from_metadata(const msg::metadata_response& resp) {
  cluster_view v;
  v.controller_id = resp.controller_id;
  for (const auto& b : resp.brokers) v.brokers.push_back({b.node_id, b.host, b.port, b.rack});
  std::sort(v.brokers.begin(), v.brokers.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& t : resp.topics) {
    view_topic vt{t.name.value_or(""), t.error_code, t.is_internal, {}};
    for (const auto& p : t.partitions)
      vt.partitions.push_back(
          {p.partition_index, p.leader_id, p.replica_nodes, p.isr_nodes, p.error_code});
    std::sort(vt.partitions.begin(), vt.partitions.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    v.topics.push_back(std::move(vt));
  }
  std::sort(v.topics.begin(), v.topics.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return v;
}

std::vector<pending_move> pending_from_list(const msg::list_partition_reassignments_response& r) {
  std::vector<pending_move> out;
  for (const auto& t : r.topics)
    for (const auto& p : t.partitions)
      out.push_back(
          {t.name, p.partition_index, p.replicas, p.adding_replicas, p.removing_replicas});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

metadata::image image_from_view(const cluster_view& view, const std::set<std::string>& topics) {
  metadata::image img;
  add_nodes(view, img);
  for (size_t i = 0; i < view.topics.size(); ++i) {
    const auto& t = view.topics[i];
    if (t.error != 0 || (!topics.empty() && !topics.count(t.name))) continue;
    auto id = topic_uuid(i);
    img.topics[id] = topic_state_of(view, t, id);
    img.topic_ids[t.name] = id;
  }
  return img;
}

rebalance_outcome plan_rebalance(const cluster_view& view, const std::set<std::string>& topics) {
  rebalance_outcome out;
  for (const auto& name : topics)
    if (const auto* t = view.topic(name); !t || t->error != 0)
      return out.error = "topic '" + name + "' does not exist (UNKNOWN_TOPIC_OR_PARTITION)", out;
  if (view.brokers.empty()) return out.error = "Metadata lists no live node", out;
  for (const auto& t : view.topics) {
    if (t.error != 0 || (!topics.empty() && !topics.count(t.name))) continue;
    plan_topic(view, t, out);
    if (!out.error.empty()) return out;
  }
  return out;
}

void spread_preferred_leaders(std::vector<std::vector<int32_t>>& sets,
                              const std::vector<int32_t>& live, const std::vector<bool>& fixed) {
  std::map<int32_t, int32_t> counts;
  for (auto n : live) counts[n] = 0;
  for (const auto& s : sets)
    if (!s.empty() && counts.count(s.front())) ++counts[s.front()];
  front_live(sets, fixed, counts);
  // Each step narrows the gap between a donor and a receiver by two, so it ends.
  for (bool moved = true; moved;) {
    moved = false;
    std::vector<int32_t> order = live;
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return counts[a] > counts[b]; });
    for (auto d = order.begin(); d != order.end() && !moved; ++d)
      for (auto r = order.rbegin(); r != order.rend() && !moved; ++r)
        if (counts[*d] - counts[*r] >= 2 && move_leadership(sets, fixed, *d, *r)) {
          --counts[*d];
          ++counts[*r];
          moved = true;
        }
  }
}

node_load load_of(const cluster_view& view, int32_t node) {
  node_load out;
  for (const auto& t : view.topics)
    for (const auto& p : t.partitions) {
      out.replicas += has(p.replicas, node) ? 1 : 0;
      out.leaders += p.leader == node ? 1 : 0;
    }
  return out;
}

std::optional<std::vector<int32_t>> parse_replica_list(const std::string& text) {
  std::vector<int32_t> out;
  std::string_view rest = text;
  while (true) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    int32_t id = -1;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || id < 0 ||
        has(out, id))
      return std::nullopt;
    out.push_back(id);
    if (comma == std::string_view::npos) return out;
    rest.remove_prefix(comma + 1);
  }
}

} // namespace caudal::cmd
