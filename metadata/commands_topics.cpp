// Topic commands: create, delete, add partitions.

#include <set>

#include "metadata/command_support.h"
#include "metadata/errors.h"
#include "metadata/topic_name.h"

namespace caudal::metadata {

using namespace detail;

namespace {

/// A random version-4 UUID, never zero and never one already in use.
uuid fresh_uuid(const image& img, const std::set<uuid>& taken, rng& gen) {
  for (;;) {
    uuid u{};
    for (size_t i = 0; i < u.size(); i += 8) {
      uint64_t x = gen();
      for (size_t j = 0; j < 8; ++j) u[i + j] = static_cast<uint8_t>(x >> (8 * j));
    }
    u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x40);
    u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);
    if (!img.topics.count(u) && !taken.count(u)) return u;
  }
}

/// Explicit replica lists: every node registered, no duplicates, one RF,
/// and not every replica fenced.
item_result check_assignments(const image& img, const std::vector<std::vector<node_id>>& lists,
                              size_t rf, std::string name) {
  for (size_t p = 0; p < lists.size(); ++p) {
    const auto& l = lists[p];
    auto what = "Partition " + std::to_string(p) + ": ";
    if (l.empty() || has_duplicates(l) || (rf != 0 && l.size() != rf))
      return error_item(name, errc::invalid_replica_assignment,
                        what + "replica lists must be non-empty, duplicate-free and equally long.");
    bool any_live = false;
    for (auto n : l) {
      if (!img.node(n))
        return error_item(name, errc::invalid_replica_assignment,
                          what + "node " + std::to_string(n) + " is not registered.");
      any_live = any_live || img.is_live(n);
    }
    if (!any_live)
      return error_item(name, errc::invalid_replica_assignment,
                        what + "all replicas are fenced or decommissioned.");
  }
  return ok_item(std::move(name));
}

/// A new partition: every live replica starts in sync (all logs are empty);
/// no leader until the partition's Raft group elects one and reports it.
partition_record new_partition(const image& img, const uuid& topic, int32_t p,
                               const std::vector<node_id>& replicas) {
  partition_record r{topic, p, replicas, no_leader, 0, {}, {}, {}};
  for (auto n : replicas)
    if (img.is_live(n)) r.isr.push_back(n);
  return r;
}

item_result check_new_topic(const image& img, const new_topic& t,
                            const std::vector<std::string>& accepted) {
  std::string why;
  if (!valid_topic_name(t.name, why)) return error_item(t.name, errc::invalid_topic_exception, why);
  if (img.topic(t.name))
    return error_item(t.name, errc::topic_already_exists, "Topic '" + t.name + "' already exists.");
  for (const auto& [other, id] : img.topic_ids)
    if (topic_names_collide(t.name, other))
      return error_item(t.name, errc::invalid_topic_exception,
                        "Topic '" + t.name + "' collides with existing topic: " + other);
  for (const auto& other : accepted)
    if (topic_names_collide(t.name, other))
      return error_item(t.name, errc::invalid_topic_exception,
                        "Topic '" + t.name + "' collides with topic: " + other);
  if (!t.assignments.empty() && (t.partitions != -1 || t.replication_factor != -1))
    return error_item(t.name, errc::invalid_request,
                      "Both numPartitions or replicationFactor and replicasAssignments were set. "
                      "Both cannot be used at the same time.");
  if (t.partitions == 0 || t.partitions < -1)
    return error_item(t.name, errc::invalid_partitions,
                      "Number of partitions was set to an invalid non-positive value.");
  if (t.replication_factor == 0 || t.replication_factor < -1)
    return error_item(t.name, errc::invalid_replication_factor,
                      "Replication factor must be larger than 0, or -1 to use the default value.");
  return ok_item(t.name);
}

item_result check_configs(const new_topic& t, const config_validator& validate) {
  for (const auto& [key, value] : t.configs)
    if (auto err = validate ? validate(topic_resource, t.name, key, value) : std::nullopt)
      return error_item(t.name, errc::invalid_config, *err);
  return ok_item(t.name);
}

/// The replica lists of a topic to create: explicit, or placed.
placement assign(const image& img, const new_topic& t, const create_topics_request& req, rng& gen) {
  if (!t.assignments.empty()) {
    auto check = check_assignments(img, t.assignments, t.assignments.front().size(), t.name);
    return {check.error, check.message, check.error ? decltype(t.assignments){} : t.assignments};
  }
  int32_t n = t.partitions == -1 ? req.default_partitions : t.partitions;
  int32_t rf = t.replication_factor == -1 ? req.default_replication_factor : t.replication_factor;
  return place_replicas(live_slots(img), n, rf, gen);
}

std::vector<record> topic_records(const image& img, const new_topic& t, const uuid& id,
                                  const placement& where) {
  std::vector<record> out{topic_record{t.name, id, t.internal}};
  for (size_t p = 0; p < where.replicas.size(); ++p)
    out.push_back(new_partition(img, id, static_cast<int32_t>(p), where.replicas[p]));
  for (const auto& [key, value] : t.configs)
    out.push_back(config_record{topic_resource, t.name, key, value});
  return out;
}

} // namespace

command_result create_topics(const image& img, const create_topics_request& req,
                             const config_validator& validate, rng& gen) {
  command_result out;
  std::map<std::string, int> seen;
  for (const auto& t : req.topics) ++seen[t.name];
  std::vector<std::string> accepted;
  std::set<uuid> ids;
  for (const auto& t : req.topics) {
    if (seen[t.name] > 1) {
      out.items.push_back(error_item(t.name, errc::invalid_request, "Duplicate topic name."));
      continue;
    }
    auto item = check_new_topic(img, t, accepted);
    if (item.error == 0) item = check_configs(t, validate);
    placement where;
    if (item.error == 0) where = assign(img, t, req, gen);
    if (item.error == 0 && where.error != 0) item = error_item(t.name, where.error, where.message);
    if (item.error == 0) {
      item.topic_id = fresh_uuid(img, ids, gen);
      ids.insert(item.topic_id);
      accepted.push_back(t.name);
      if (!req.validate_only) {
        auto recs = topic_records(img, t, item.topic_id, where);
        out.records.insert(out.records.end(), recs.begin(), recs.end());
      }
    }
    out.items.push_back(item);
  }
  return out;
}

command_result delete_topics(const image& img, const delete_topics_request& req) {
  command_result out;
  std::set<uuid> doomed;
  auto remove = [&](const topic_state* t, item_result item) {
    if (item.error == 0 && doomed.count(t->id))
      item = error_item(item.name, errc::invalid_request, "Topic is listed twice.");
    if (item.error == 0) {
      item.topic_id = t->id;
      doomed.insert(t->id);
      out.records.push_back(remove_topic{t->id});
    }
    out.items.push_back(item);
  };
  for (const auto& name : req.names) {
    const auto* t = img.topic(name);
    remove(t, t ? ok_item(name)
                : error_item(name, errc::unknown_topic_or_partition,
                             "This server does not host this topic-partition."));
  }
  for (const auto& id : req.ids) {
    const auto* t = img.topic(id);
    auto item = t ? ok_item(t->name) : error_item("", errc::unknown_topic_id, "Unknown topic id.");
    item.topic_id = id;
    remove(t, item);
  }
  return out;
}

namespace {

item_result check_growth(const image& img, const partition_growth& g) {
  const auto* t = img.topic(g.topic);
  if (!t)
    return error_item(g.topic, errc::unknown_topic_or_partition,
                      "Topic '" + g.topic + "' does not exist.");
  auto have = static_cast<int32_t>(t->partitions.size());
  if (g.count < have)
    return error_item(g.topic, errc::invalid_partitions,
                      "Topic currently has " + std::to_string(have) +
                          " partitions, which is higher than the requested " +
                          std::to_string(g.count) + ".");
  if (g.count == have)
    return error_item(g.topic, errc::invalid_partitions,
                      "Topic already has " + std::to_string(have) + " partitions.");
  if (!g.assignments.empty() && g.assignments.size() != static_cast<size_t>(g.count - have))
    return error_item(g.topic, errc::invalid_replica_assignment,
                      "Increasing the number of partitions by " + std::to_string(g.count - have) +
                          " but " + std::to_string(g.assignments.size()) +
                          " assignments provided.");
  return ok_item(g.topic);
}

} // namespace

command_result create_partitions(const image& img, const std::vector<partition_growth>& req,
                                 bool validate_only, rng& gen) {
  command_result out;
  std::map<std::string, int> seen;
  for (const auto& g : req) ++seen[g.topic];
  for (const auto& g : req) {
    auto item = seen[g.topic] > 1 ? error_item(g.topic, errc::invalid_request, "Duplicate topic.")
                                  : check_growth(img, g);
    placement where;
    if (item.error == 0) {
      const auto* t = img.topic(g.topic);
      auto have = static_cast<int32_t>(t->partitions.size());
      auto rf = t->partitions.empty() ? 1 : t->partitions.begin()->second.replicas.size();
      if (!g.assignments.empty()) {
        auto check = check_assignments(img, g.assignments, rf, g.topic);
        where = {check.error, check.message, g.assignments};
      } else {
        where = place_replicas(live_slots(img), g.count - have, static_cast<int32_t>(rf), gen);
      }
      if (where.error != 0) item = error_item(g.topic, where.error, where.message);
      for (size_t i = 0; item.error == 0 && !validate_only && i < where.replicas.size(); ++i)
        out.records.push_back(
            new_partition(img, t->id, have + static_cast<int32_t>(i), where.replicas[i]));
    }
    out.items.push_back(item);
  }
  return out;
}

} // namespace caudal::metadata
