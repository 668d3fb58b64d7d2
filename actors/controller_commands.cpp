// Commands -> metadata records, on the leader controller (see
// controller_commands.h). Error codes are Kafka's (metadata/errors.h).

#include "actors/controller_commands.h"
#include "actors/controller_reassign.h"

#include <algorithm>

#include "actors/topic_manager.h"
#include "metadata/errors.h"
#include "storage/topic_config.h"

namespace caudal::actors {

namespace errc = metadata::errc;

protocol::uuid new_topic_id(const metadata::image& img, metadata::rng& gen) {
  protocol::uuid id{};
  do {
    for (size_t i = 0; i < id.size(); i += 8) {
      uint64_t r = gen();
      for (size_t j = 0; j < 8; ++j) id[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40); // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80); // IETF variant
  } while (img.topic(id) != nullptr || id == protocol::uuid{});
  return id;
}

namespace {

/// Records of one plan, applied to the scratch image as they are added.
struct emitter {
  metadata::image& img;
  std::vector<metadata::record>& out;
  void operator()(metadata::record r) {
    metadata::apply(img, r);
    out.push_back(std::move(r));
  }
};

command_item fail(const std::string& name, int16_t error, std::string message) {
  return command_item{name, error, std::move(message)};
}

/// New partitions [first, first + replicas.size()) of topic `id`. Leaders
/// are unknown until the partition's own Raft group elects one and reports.
void emit_partitions(emitter& emit, const protocol::uuid& id, int32_t first,
                     const std::vector<std::vector<metadata::node_id>>& replicas) {
  for (size_t i = 0; i < replicas.size(); ++i) {
    metadata::partition_record p;
    p.topic = id;
    p.partition = first + static_cast<int32_t>(i);
    p.replicas = replicas[i];
    p.isr = replicas[i];
    emit(std::move(p));
  }
}

void emit_configs(emitter& emit, const std::string& topic, const metadata::config_map& before,
                  const std::map<std::string, std::string>& after) {
  for (auto& [k, v] : after) {
    auto it = before.find(k);
    if (it == before.end() || it->second != v)
      emit(metadata::config_record{metadata::topic_resource, topic, k, v});
  }
  for (auto& [k, v] : before)
    if (!after.count(k)) emit(metadata::config_record{metadata::topic_resource, topic, k, {}});
}

command_item create_one(emitter& emit, const topic_spec& t, bool validate_only,
                        metadata::rng& gen) {
  std::string why;
  if (!valid_topic_name(t.name, why)) return fail(t.name, errc::invalid_topic_exception, why);
  if (emit.img.topic(t.name))
    return fail(t.name, errc::topic_already_exists, "topic '" + t.name + "' already exists");
  if (t.partitions > 100000)
    return fail(t.name, errc::invalid_partitions, "at most 100000 partitions");
  if (auto v = storage::validate_topic_configs(t.configs); !v)
    return fail(t.name, errc::invalid_config, v.error().message);
  auto placed = metadata::place_replicas(metadata::live_slots(emit.img), t.partitions,
                                         t.replication_factor, gen);
  if (placed.error != errc::none) return fail(t.name, placed.error, placed.message);
  if (validate_only) return command_item{t.name, errc::none, {}};
  auto id = new_topic_id(emit.img, gen);
  emit(metadata::topic_record{t.name, id, t.name.starts_with("__")});
  emit_partitions(emit, id, 0, placed.replicas);
  emit_configs(emit, t.name, {}, t.configs);
  return command_item{t.name, errc::none, {}};
}

command_item delete_one(emitter& emit, const std::string& name) {
  auto* t = emit.img.topic(name);
  if (!t)
    return fail(name, errc::unknown_topic_or_partition, "topic '" + name + "' does not exist");
  emit(metadata::remove_topic{t->id});
  return command_item{name, errc::none, {}};
}

command_item grow_one(emitter& emit, const partition_growth& g, bool validate_only,
                      metadata::rng& gen) {
  auto* t = emit.img.topic(g.topic);
  if (!t)
    return fail(g.topic, errc::unknown_topic_or_partition,
                "topic '" + g.topic + "' does not exist");
  auto have = static_cast<int32_t>(t->partitions.size());
  if (g.count <= have)
    return fail(g.topic, errc::invalid_partitions,
                "topic has " + std::to_string(have) + " partitions; the new count must be larger");
  if (g.count > 100000) return fail(g.topic, errc::invalid_partitions, "at most 100000 partitions");
  auto rf = t->partitions.empty() ? 1 : t->partitions.begin()->second.replicas.size();
  auto placed = metadata::place_replicas(metadata::live_slots(emit.img), g.count - have,
                                         static_cast<int32_t>(rf), gen);
  if (placed.error != errc::none) return fail(g.topic, placed.error, placed.message);
  if (!validate_only) emit_partitions(emit, t->id, have, placed.replicas);
  return command_item{g.topic, errc::none, {}};
}

command_item alter_one(emitter& emit, const topic_configs& c, bool validate_only) {
  if (!emit.img.topic(c.topic))
    return fail(c.topic, errc::unknown_topic_or_partition,
                "topic '" + c.topic + "' does not exist");
  if (auto v = storage::validate_topic_configs(c.configs); !v)
    return fail(c.topic, errc::invalid_config, v.error().message);
  if (validate_only) return command_item{c.topic, errc::none, {}};
  auto it = emit.img.topic_configs.find(c.topic);
  auto before = it == emit.img.topic_configs.end() ? metadata::config_map{} : it->second;
  emit_configs(emit, c.topic, before, c.configs);
  return command_item{c.topic, errc::none, {}};
}

} // namespace

namespace {

command_result items_result(std::vector<command_item> items) {
  command_result r;
  r.items = std::move(items);
  return r;
}

command_result plan_register(emitter& emit, const register_node_cmd& c) {
  metadata::register_node reg{c.id, c.incarnation, c.host, c.port, c.peer_host, c.peer_port, {}};
  if (!c.rack.empty()) reg.rack = c.rack;
  auto* known = emit.img.node(c.id);
  // The same incarnation again (a retried registration) changes nothing.
  if (known && known->registration == reg && !known->fenced) return {};
  emit(reg);
  // The node serves as soon as it is registered: its replicas catch up
  // through their own Raft groups, which never let a lagging one lead.
  emit(metadata::unfence_node{c.id});
  return {};
}

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

command_result plan_report(emitter& emit, const leader_report& r) {
  command_result out;
  auto* t = emit.img.topic(r.topic);
  auto* p = t ? emit.img.partition(t->id, r.partition) : nullptr;
  if (!p) return {errc::unknown_topic_or_partition, "unknown partition", {}};
  if (r.leader_epoch < p->leader_epoch) return {errc::fenced_leader_epoch, "stale report", {}};
  if (r.leader != metadata::no_leader && !contains(p->replicas, r.leader))
    return {errc::invalid_request, "the leader is not a replica", {}};
  std::vector<int32_t> isr;
  for (auto n : r.isr)
    if (contains(p->replicas, n)) isr.push_back(n);
  if (p->leader == r.leader && p->leader_epoch == r.leader_epoch && p->isr == isr) return out;
  metadata::partition_change ch;
  ch.topic = t->id;
  ch.partition = r.partition;
  ch.leader = r.leader;
  ch.leader_epoch = r.leader_epoch;
  ch.isr = std::move(isr);
  emit(std::move(ch));
  return out;
}

} // namespace

command_plan plan_command(metadata::image& scratch, const controller_command& cmd,
                          metadata::rng& gen) {
  command_plan plan;
  // Reassignments and decommissioning: actors/controller_reassign.cpp.
  if (plan_reassignment(scratch, cmd, plan.result, plan.records)) return plan;
  emitter emit{scratch, plan.records};
  std::vector<command_item> items;
  if (auto* c = std::get_if<create_topics_cmd>(&cmd)) {
    for (auto& t : c->topics) items.push_back(create_one(emit, t, c->validate_only, gen));
  } else if (auto* d = std::get_if<delete_topics_cmd>(&cmd)) {
    for (auto& n : d->names) items.push_back(delete_one(emit, n));
  } else if (auto* g = std::get_if<create_partitions_cmd>(&cmd)) {
    for (auto& x : g->topics) items.push_back(grow_one(emit, x, g->validate_only, gen));
  } else if (auto* a = std::get_if<alter_configs_cmd>(&cmd)) {
    for (auto& x : a->topics) items.push_back(alter_one(emit, x, a->validate_only));
  } else if (auto* r = std::get_if<register_node_cmd>(&cmd)) {
    plan.result = plan_register(emit, *r);
    return plan;
  } else if (auto* l = std::get_if<leader_report>(&cmd)) {
    plan.result = plan_report(emit, *l);
    return plan;
  } else if (auto* f = std::get_if<fence_node_cmd>(&cmd)) {
    auto* n = emit.img.node(f->id);
    if (n && !n->fenced) emit(metadata::fence_node{f->id});
    return plan;
  }
  plan.result = items_result(std::move(items));
  return plan;
}

} // namespace caudal::actors
