// Commands -> metadata records, on the leader controller (see
// controller_commands.h): a thin mapping of the controller's command structs
// onto the metadata library's commands (metadata/commands.h), which own the
// validation, the placement and the error codes.

#include "actors/controller_commands.h"
#include "actors/controller_reassign.h"

#include <algorithm>

#include "metadata/commands.h"
#include "metadata/errors.h"
#include "storage/topic_config.h"

namespace caudal::actors {

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

namespace md = metadata;

/// Topic configs are checked against Kafka's definitions; other resources
/// are not altered through the controller.
std::optional<std::string> check_config(int8_t type, const std::string&, const std::string& key,
                                        const std::optional<std::string>& value) {
  if (type != md::topic_resource) return "only topic configs can be set";
  if (!value) return std::nullopt;
  if (auto v = storage::validate_topic_config(key, *value); !v) return v.error().message;
  return std::nullopt;
}

/// Applies `r`'s records to the scratch image and keeps them.
command_result take(md::image& scratch, md::command_result r, std::vector<md::record>& out) {
  command_result res;
  for (auto& item : r.items) res.items.push_back(command_item{item.name, item.error, item.message});
  md::apply(scratch, r.records);
  out.insert(out.end(), r.records.begin(), r.records.end());
  return res;
}

/// The whole command's error: its single item's (node commands, reports).
command_result single(command_result r) {
  if (!r.items.empty() && r.items.front().error != 0) {
    r.error = r.items.front().error;
    r.message = r.items.front().message;
  }
  r.items.clear();
  return r;
}

command_result create(md::image& img, const create_topics_cmd& c, md::rng& gen,
                      std::vector<md::record>& out) {
  md::create_topics_request req;
  req.validate_only = c.validate_only;
  for (auto& t : c.topics)
    req.topics.push_back(md::new_topic{
        t.name, t.partitions, t.replication_factor, {}, t.configs, t.name.starts_with("__")});
  return take(img, md::create_topics(img, req, check_config, gen), out);
}

command_result grow(md::image& img, const create_partitions_cmd& c, md::rng& gen,
                    std::vector<md::record>& out) {
  std::vector<md::partition_growth> req;
  for (auto& g : c.topics) req.push_back(md::partition_growth{g.topic, g.count, {}});
  return take(img, md::create_partitions(img, req, c.validate_only, gen), out);
}

/// Each topic's new full override set as changes against its current one.
command_result alter(md::image& img, const alter_configs_cmd& c, std::vector<md::record>& out) {
  std::vector<md::config_resource> req;
  for (auto& t : c.topics) {
    md::config_resource r{md::topic_resource, t.topic, {}};
    auto it = img.topic_configs.find(t.topic);
    auto before = it == img.topic_configs.end() ? md::config_map{} : it->second;
    for (auto& [k, v] : t.configs)
      if (!before.count(k) || before[k] != v) r.changes.emplace_back(k, v);
    for (auto& [k, v] : before)
      if (!t.configs.count(k)) r.changes.emplace_back(k, std::nullopt);
    req.push_back(std::move(r));
  }
  return take(img, md::alter_configs(img, req, check_config, c.validate_only), out);
}

} // namespace

namespace {

/// Registration plus unfencing: a node serves as soon as it registered; its
/// replicas catch up through their own Raft groups, which never let a
/// lagging one lead.
command_result enroll(md::image& img, const register_node_cmd& c, std::vector<md::record>& out) {
  md::register_node reg{c.id, c.incarnation, c.host, c.port, c.peer_host, c.peer_port, {}};
  if (!c.rack.empty()) reg.rack = c.rack;
  auto r = single(take(img, md::register_node_cmd(img, reg), out));
  if (r.error != 0) return r;
  return single(take(img, md::unfence_node_cmd(img, c.id, c.incarnation), out));
}

/// A partition leader's report. The ISR is cut to what the controller may
/// accept (replicas that are not fenced, the leader itself), so a report
/// racing a fence is recorded rather than refused again and again.
command_result report(md::image& img, const leader_report& l, std::vector<md::record>& out) {
  auto* t = img.topic(l.topic);
  auto* p = t ? img.partition(t->id, l.partition) : nullptr;
  auto* n = img.node(l.leader);
  if (!p) return command_result{md::errc::unknown_topic_or_partition, "unknown partition", {}};
  if (!n) return command_result{md::errc::broker_id_not_registered, "unknown leader node", {}};
  md::partition_report r{l.leader, n->registration.incarnation, t->id, l.partition, l.leader_epoch,
                         {}};
  for (auto id : l.isr) {
    auto* m = img.node(id);
    bool ok = m && !m->fenced && std::count(p->replicas.begin(), p->replicas.end(), id);
    if ((ok || id == l.leader) && !std::count(r.isr.begin(), r.isr.end(), id)) r.isr.push_back(id);
  }
  if (!std::count(r.isr.begin(), r.isr.end(), l.leader)) r.isr.push_back(l.leader);
  return single(take(img, md::report_partitions(img, {r}), out));
}

} // namespace

command_plan plan_command(metadata::image& scratch, const controller_command& cmd,
                          metadata::rng& gen) {
  command_plan plan;
  // Reassignments and decommissioning: actors/controller_reassign.cpp.
  if (plan_reassignment(scratch, cmd, plan.result, plan.records)) return plan;
  // Reassignments and decommissioning: actors/controller_reassign.cpp.
  if (plan_reassignment(scratch, cmd, plan.result, plan.records)) return plan;
  auto& out = plan.records;
  if (auto* c = std::get_if<create_topics_cmd>(&cmd)) {
    plan.result = create(scratch, *c, gen, out);
  } else if (auto* d = std::get_if<delete_topics_cmd>(&cmd)) {
    plan.result = take(scratch, md::delete_topics(scratch, {d->names, {}}), out);
  } else if (auto* g = std::get_if<create_partitions_cmd>(&cmd)) {
    plan.result = grow(scratch, *g, gen, out);
  } else if (auto* a = std::get_if<alter_configs_cmd>(&cmd)) {
    plan.result = alter(scratch, *a, out);
  } else if (auto* r = std::get_if<register_node_cmd>(&cmd)) {
    plan.result = enroll(scratch, *r, out);
  } else if (auto* l = std::get_if<leader_report>(&cmd)) {
    plan.result = report(scratch, *l, out);
    continue_reassignment(scratch, *l, out); // multi-step moves: controller_reassign.cpp
  } else if (auto* f = std::get_if<fence_node_cmd>(&cmd)) {
    plan.result = single(take(scratch, md::fence_node_cmd(scratch, f->id), out));
  }
  return plan;
}

} // namespace caudal::actors
