// CreateTopics, DeleteTopics, CreatePartitions and topic auto-creation.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/topic_handlers.h"

namespace caudal::actors {

namespace {

protocol::uuid new_topic_id(topic_manager_state& st) {
  protocol::uuid id{};
  do {
    for (size_t i = 0; i < id.size(); i += 8) {
      uint64_t r = st.rng();
      for (size_t j = 0; j < 8; ++j) id[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40); // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80); // IETF variant
  } while (st.args.cache->get()->find(id) != nullptr);
  return id;
}

} // namespace

int16_t create_topic(topic_manager_self self, const std::string& name, int32_t partitions,
                     int16_t replication_factor, std::map<std::string, std::string> configs,
                     bool validate_only, std::string& message) {
  auto& st = self->state;
  if (!valid_topic_name(name, message)) return error_code::invalid_topic_exception;
  if (st.topics.count(name)) {
    message = "topic '" + name + "' already exists";
    return error_code::topic_already_exists;
  }
  if (partitions == -1) partitions = st.args.num_partitions;
  if (replication_factor == -1) replication_factor = st.args.default_replication_factor;
  if (partitions < 1 || partitions > 100000) {
    message = "number of partitions must be between 1 and 100000";
    return error_code::invalid_partitions;
  }
  if (replication_factor < 1 || replication_factor > st.args.live_nodes) {
    message = "replication factor " + std::to_string(replication_factor) +
              " is larger than the number of live nodes (" + std::to_string(st.args.live_nodes) +
              ")";
    return error_code::invalid_replication_factor;
  }
  if (auto e = check_topic_configs(st, configs, message); e != error_code::none) return e;
  if (validate_only) return error_code::none;
  topic_entry t;
  t.name = name;
  t.id = new_topic_id(st);
  t.replication_factor = replication_factor;
  t.configs = std::move(configs);
  t.internal = name.starts_with("__");
  if (!open_new_partitions(self, t, 0, partitions, message)) return error_code::kafka_storage_error;
  if (!persist_topic(st, t, message)) {
    drop_partitions(self, t);
    return error_code::kafka_storage_error;
  }
  spdlog::info("created topic {} ({} partitions)", name, partitions);
  st.topics.emplace(name, std::move(t));
  publish_snapshot(st);
  return error_code::none;
}

msg::create_topics_response handle_create_topics(topic_manager_self self,
                                                 const msg::create_topics_request& req,
                                                 int16_t version) {
  msg::create_topics_response resp;
  for (auto& topic : req.topics) {
    msg::create_topics_response::creatable_topic_result r;
    r.name = topic.name;
    std::string message;
    std::map<std::string, std::string> configs;
    for (auto& c : topic.configs)
      if (c.value) configs[c.name] = *c.value;
    if (!topic.assignments.empty()) {
      r.error_code = error_code::invalid_request;
      message = "manual replica assignment is not supported yet; use num_partitions";
    } else {
      r.error_code = create_topic(self, topic.name, topic.num_partitions, topic.replication_factor,
                                  configs, req.validate_only, message);
    }
    if (r.error_code != error_code::none) r.error_message = message;
    auto snap = self->state.args.cache->get();
    if (auto* t = snap->find(topic.name); t && r.error_code == error_code::none) {
      r.topic_id = t->id;
      r.num_partitions = static_cast<int32_t>(t->partitions.size());
      r.replication_factor = t->replication_factor;
    } else if (r.error_code == error_code::none) { // validate_only
      r.num_partitions =
          topic.num_partitions == -1 ? self->state.args.num_partitions : topic.num_partitions;
      r.replication_factor = topic.replication_factor == -1
                                 ? self->state.args.default_replication_factor
                                 : topic.replication_factor;
    } else {
      r.num_partitions = -1;
      r.replication_factor = -1;
    }
    (void)version;
    resp.topics.push_back(std::move(r));
  }
  return resp;
}

namespace {

int16_t delete_topic(topic_manager_self self, const std::string& name, std::string& message) {
  auto& st = self->state;
  auto it = st.topics.find(name);
  if (it == st.topics.end()) {
    message = "topic '" + name + "' does not exist";
    return error_code::unknown_topic_or_partition;
  }
  if (auto r = st.args.meta->delete_topic(name); !r) {
    message = r.error().message;
    return error_code::kafka_storage_error;
  }
  drop_partitions(self, it->second);
  st.topics.erase(it);
  publish_snapshot(st);
  spdlog::info("deleted topic {}", name);
  return error_code::none;
}

} // namespace

msg::delete_topics_response handle_delete_topics(topic_manager_self self,
                                                 const msg::delete_topics_request& req,
                                                 int16_t version) {
  msg::delete_topics_response resp;
  auto one = [&](std::optional<std::string> name, const protocol::uuid& id) {
    msg::delete_topics_response::deletable_topic_result r;
    r.topic_id = id;
    std::string message;
    if (!name) {
      auto* t = self->state.args.cache->get()->find(id);
      if (!t) {
        r.error_code = error_code::unknown_topic_id;
        r.error_message = "unknown topic id";
        resp.responses.push_back(std::move(r));
        return;
      }
      name = t->name;
    }
    r.name = *name;
    r.error_code = delete_topic(self, *name, message);
    if (r.error_code != error_code::none) r.error_message = message;
    resp.responses.push_back(std::move(r));
  };
  if (version >= 6) {
    for (auto& t : req.topics) one(t.name, t.topic_id);
  } else {
    for (auto& n : req.topic_names) one(n, protocol::uuid{});
  }
  return resp;
}

msg::create_partitions_response
handle_create_partitions(topic_manager_self self, const msg::create_partitions_request& req) {
  auto& st = self->state;
  msg::create_partitions_response resp;
  for (auto& topic : req.topics) {
    msg::create_partitions_response::create_partitions_topic_result r;
    r.name = topic.name;
    auto it = st.topics.find(topic.name);
    std::string message;
    if (it == st.topics.end()) {
      r.error_code = error_code::unknown_topic_or_partition;
      message = "topic '" + topic.name + "' does not exist";
    } else if (topic.count <= static_cast<int32_t>(it->second.partitions.size())) {
      r.error_code = error_code::invalid_partitions;
      message = "topic has " + std::to_string(it->second.partitions.size()) +
                " partitions; the new count must be larger";
    } else if (topic.count > 100000) {
      r.error_code = error_code::invalid_partitions;
      message = "number of partitions must be at most 100000";
    } else if (topic.assignments && !topic.assignments->empty()) {
      r.error_code = error_code::invalid_replica_assignment;
      message = "manual replica assignment is not supported yet";
    } else if (!req.validate_only) {
      auto& t = it->second;
      auto before = static_cast<int32_t>(t.partitions.size());
      if (!open_new_partitions(self, t, before, topic.count, message)) {
        r.error_code = error_code::kafka_storage_error;
      } else if (!persist_topic(st, t, message)) {
        drop_partitions(self, t, before);
        t.partitions.resize(static_cast<size_t>(before));
        r.error_code = error_code::kafka_storage_error;
      } else {
        publish_snapshot(st);
        spdlog::info("topic {}: partitions {} -> {}", t.name, before, topic.count);
      }
    }
    if (r.error_code != error_code::none) r.error_message = message;
    resp.results.push_back(std::move(r));
  }
  return resp;
}

caf::behavior topic_manager_behavior(topic_manager_self self) {
  return {
      [=](create_atom, const msg::create_topics_request& req, int16_t version) {
        return handle_create_topics(self, req, version);
      },
      [=](delete_atom, const msg::delete_topics_request& req, int16_t version) {
        return handle_delete_topics(self, req, version);
      },
      [=](grow_atom, const msg::create_partitions_request& req) {
        return handle_create_partitions(self, req);
      },
      [=](describe_atom, const msg::describe_configs_request& req, int16_t version) {
        return handle_describe_configs(self, req, version);
      },
      [=](alter_atom, const msg::alter_configs_request& req) {
        return handle_alter_configs(self, req);
      },
      [=](alter_atom, const msg::incremental_alter_configs_request& req) {
        return handle_incremental_alter_configs(self, req);
      },
      [=](ensure_atom, const std::vector<std::string>& names) {
        for (auto& n : names) {
          std::string message;
          if (self->state.topics.count(n)) continue;
          auto e = create_topic(self, n, -1, -1, {}, false, message);
          if (e != error_code::none && e != error_code::topic_already_exists)
            spdlog::warn("auto-create of topic '{}' failed: {}", n, message);
        }
        return true;
      },
  };
}

} // namespace caudal::actors
