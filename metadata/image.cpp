#include "metadata/image.h"

#include <algorithm>
#include <functional>

namespace caudal::metadata {

namespace {

bool contains(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

/// Works for const and non-const images alike (Img deduces the constness).
template <class Img>
auto find_partition(Img& img, const uuid& topic, int32_t p)
    -> decltype(&img.topics.begin()->second.partitions.begin()->second) {
  auto t = img.topics.find(topic);
  if (t == img.topics.end()) return nullptr;
  auto it = t->second.partitions.find(p);
  return it == t->second.partitions.end() ? nullptr : &it->second;
}

void apply_one(image& img, const register_node& r) {
  auto& n = img.nodes[r.id];
  n.registration = r;
  // A new incarnation has to catch up before it may lead or join an ISR;
  // decommissioning stays: a restart must not cancel a drain.
  n.fenced = true;
}
void apply_one(image& img, const fence_node& r) {
  if (auto it = img.nodes.find(r.id); it != img.nodes.end()) it->second.fenced = true;
}
void apply_one(image& img, const unfence_node& r) {
  if (auto it = img.nodes.find(r.id); it != img.nodes.end()) it->second.fenced = false;
}
void apply_one(image& img, const decommission_node& r) {
  if (auto it = img.nodes.find(r.id); it != img.nodes.end()) it->second.decommissioned = true;
}
void apply_one(image& img, const topic_record& r) {
  // A name or id already in use would make the two indexes disagree.
  if (img.topic_ids.count(r.name) || img.topics.count(r.id)) return;
  img.topics[r.id] = topic_state{r.name, r.id, r.internal, {}};
  img.topic_ids[r.name] = r.id;
}
void apply_one(image& img, const partition_record& r) {
  auto t = img.topics.find(r.topic);
  if (t == img.topics.end() || r.partition < 0) return;
  t->second.partitions[r.partition] =
      partition_state{r.replicas, r.leader, r.leader_epoch, r.isr, r.adding, r.removing};
}
void apply_one(image& img, const partition_change& r) {
  auto* p = find_partition(img, r.topic, r.partition);
  if (!p) return;
  if (r.leader) p->leader = *r.leader;
  p->leader_epoch = r.leader_epoch;
  if (r.isr) p->isr = *r.isr;
  if (r.replicas) p->replicas = *r.replicas;
  if (r.adding) p->adding = *r.adding;
  if (r.removing) p->removing = *r.removing;
}
void apply_one(image& img, const config_record& r) {
  std::map<std::string, config_map>* all = nullptr;
  if (r.resource_type == topic_resource) all = &img.topic_configs;
  if (r.resource_type == broker_resource) all = &img.broker_configs;
  if (!all) return;
  if (r.value) {
    (*all)[r.resource_name][r.key] = *r.value;
    return;
  }
  auto it = all->find(r.resource_name);
  if (it == all->end()) return;
  it->second.erase(r.key);
  if (it->second.empty()) all->erase(it); // keeps equal images equal
}
void apply_one(image& img, const remove_topic& r) {
  auto t = img.topics.find(r.id);
  if (t == img.topics.end()) return;
  img.topic_configs.erase(t->second.name);
  img.topic_ids.erase(t->second.name);
  std::erase_if(img.reassignment_goals, [&](const auto& g) { return g.first.first == r.id; });
  img.topics.erase(t);
}
void apply_one(image& img, const reassignment_goal& r) {
  if (!find_partition(img, r.topic, r.partition)) return;
  if (r.target.empty())
    img.reassignment_goals.erase({r.topic, r.partition});
  else
    img.reassignment_goals[{r.topic, r.partition}] = r.target;
}

/// Partitions matching `pred`, in (topic name, partition) order.
std::vector<partition_ref> select(const image& img,
                                  const std::function<bool(const partition_state&)>& pred) {
  std::vector<partition_ref> out;
  for (const auto& [name, id] : img.topic_ids) {
    const auto& t = img.topics.at(id);
    for (const auto& [p, st] : t.partitions)
      if (pred(st)) out.push_back({name, id, p});
  }
  return out;
}

} // namespace

std::vector<node_id> partition_state::target_replicas() const {
  std::vector<node_id> out;
  for (auto r : replicas)
    if (!contains(removing, r)) out.push_back(r);
  return out;
}

const topic_state* image::topic(const std::string& name) const {
  auto it = topic_ids.find(name);
  return it == topic_ids.end() ? nullptr : topic(it->second);
}
const topic_state* image::topic(const uuid& id) const {
  auto it = topics.find(id);
  return it == topics.end() ? nullptr : &it->second;
}
const partition_state* image::partition(const uuid& t, int32_t p) const {
  return find_partition(*this, t, p);
}
const node_state* image::node(node_id id) const {
  auto it = nodes.find(id);
  return it == nodes.end() ? nullptr : &it->second;
}
const std::vector<node_id>* image::reassignment_goal(const uuid& topic, int32_t partition) const {
  auto it = reassignment_goals.find({topic, partition});
  return it == reassignment_goals.end() ? nullptr : &it->second;
}
bool image::is_live(node_id id) const {
  auto* n = node(id);
  return n && !n->fenced && !n->decommissioned;
}
std::vector<node_id> image::live_nodes() const {
  std::vector<node_id> out;
  for (const auto& [id, n] : nodes)
    if (!n.fenced && !n.decommissioned) out.push_back(id);
  return out;
}

std::vector<partition_ref> image::partitions_led_by(node_id id) const {
  return select(*this, [&](const partition_state& p) { return p.leader == id; });
}
std::vector<partition_ref> image::under_replicated() const {
  return select(*this, [](const partition_state& p) { return p.isr.size() < p.replicas.size(); });
}
std::vector<partition_ref> image::offline() const {
  return select(*this, [&](const partition_state& p) {
    auto* n = node(p.leader);
    return p.leader == no_leader || !n || n->fenced;
  });
}
std::vector<partition_ref> image::replicas_on(node_id id) const {
  return select(*this, [&](const partition_state& p) { return contains(p.replicas, id); });
}

void apply(image& img, const record& r) {
  std::visit([&](const auto& x) { apply_one(img, x); }, r);
}
void apply(image& img, const std::vector<record>& records) {
  for (const auto& r : records) apply(img, r);
}

} // namespace caudal::metadata
