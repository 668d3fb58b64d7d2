#include "actors/topic_manager.h"

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/partition_actor.h"
#include "actors/topic_handlers.h"
#include "actors/topic_manager_state.h"
#include "storage/topic_config.h"

namespace caudal::actors {

bool valid_topic_name(const std::string& name, std::string& why) {
  if (name.empty()) return why = "topic name is empty", false;
  if (name == "." || name == "..") return why = "topic name cannot be '.' or '..'", false;
  if (name.size() > 249) return why = "topic name is longer than 249 characters", false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return why = "topic name '" + name + "' has characters outside [a-zA-Z0-9._-]", false;
  }
  return true;
}

void drop_partitions(topic_manager_self self, const topic_entry& t, int32_t first) {
  auto& st = self->state;
  std::string id_hex;
  for (auto b : t.id) id_hex += fmt::format("{:02x}", b);
  for (int32_t p = first; p < static_cast<int32_t>(t.partitions.size()); ++p) {
    auto dir = storage::partition_dir(st.args.log_dir, t.name, p);
    auto moved = dir + "." + id_hex + "-delete"; // Kafka's naming for deleted logs
    if (auto r = st.args.fs->rename(dir, moved); !r) {
      spdlog::error("cannot move {} aside: {}", dir, r.error().message);
      moved = dir;
    }
    self->unlink_from(t.partitions[p]);
    self->send(t.partitions[p], drop_atom::value, moved);
  }
}

void publish_snapshot(topic_manager_state& st) {
  auto snap = std::make_shared<metadata_snapshot>();
  for (auto& [name, t] : st.topics) {
    snap->topics.emplace(name, std::make_shared<const topic_entry>(t));
    snap->names_by_id.emplace(t.id, name);
  }
  st.args.cache->publish(std::move(snap));
}

namespace {

storage::log_config log_config_for(const topic_manager_state& st, const topic_entry& t) {
  auto cfg = storage::make_log_config(t.configs, st.args.broker_topic_defaults);
  if (cfg) return *cfg;
  // Stored configs were validated when written; fall back to defaults rather
  // than refusing to open the data.
  spdlog::warn("topic {}: stored config invalid ({}); using defaults", t.name, cfg.error().message);
  return storage::log_config{};
}

} // namespace

namespace {

bool open_partition(topic_manager_self self, topic_entry& t, const storage::log_config& cfg,
                    int32_t p, std::string& error) {
  auto& st = self->state;
  partition_args pa;
  pa.topic = t.name;
  pa.partition = p;
  pa.dir = storage::partition_dir(st.args.log_dir, t.name, p);
  pa.config = cfg;
  pa.fs = st.args.fs;
  pa.clock = st.args.clock;
  pa.retention_check_interval_ms = st.args.retention_check_interval_ms;
  pa.producer_id_expiration_ms = st.args.producer_id_expiration_ms;
  auto actor = spawn_partition(self->system(), std::move(pa), error);
  if (!actor) return false;
  self->link_to(actor);
  t.partitions.push_back(actor);
  return true;
}

} // namespace

bool open_partitions(topic_manager_self self, topic_entry& t, int32_t first, int32_t count,
                     std::string& error) {
  auto cfg = log_config_for(self->state, t);
  for (int32_t p = first; p < count; ++p)
    if (!open_partition(self, t, cfg, p, error)) return false;
  return true;
}

bool open_new_partitions(topic_manager_self self, topic_entry& t, int32_t first, int32_t count,
                         std::string& error) {
  if (open_partitions(self, t, first, count, error)) return true;
  // Leave nothing half-created: the new partitions opened so far are moved
  // aside and deleted, so a retry starts on fresh directories instead of
  // opening a second log over files a running actor still writes.
  drop_partitions(self, t, first);
  t.partitions.resize(static_cast<size_t>(first));
  return false;
}

void push_log_config(topic_manager_self self, const topic_entry& t) {
  auto cfg = log_config_for(self->state, t);
  for (auto& p : t.partitions) self->send(p, config_atom::value, cfg);
}

bool persist_topic(topic_manager_state& st, const topic_entry& t, std::string& error) {
  storage::topic_record rec;
  rec.name = t.name;
  rec.topic_id = t.id;
  rec.partition_count = static_cast<int32_t>(t.partitions.size());
  rec.replication_factor = t.replication_factor;
  rec.configs = t.configs;
  auto r = st.args.meta->put_topic(rec);
  if (!r) error = r.error().message;
  return static_cast<bool>(r);
}

int16_t check_topic_configs(const topic_manager_state& st,
                            const std::map<std::string, std::string>& configs,
                            std::string& message) {
  if (auto v = storage::validate_topic_configs(configs); !v) {
    message = v.error().message;
    return error_code::invalid_config;
  }
  auto cfg = storage::make_log_config(configs, st.args.broker_topic_defaults);
  if (cfg) return error_code::none;
  message = cfg.error().message;
  return error_code::invalid_config;
}

namespace {

bool load_topics(topic_manager_self self, std::string& error) {
  auto recs = self->state.args.meta->list_topics();
  if (!recs) return error = recs.error().message, false;
  for (auto& rec : *recs) {
    topic_entry t;
    t.name = rec.name;
    t.id = rec.topic_id;
    t.replication_factor = rec.replication_factor;
    t.configs = rec.configs;
    if (!open_partitions(self, t, 0, rec.partition_count, error)) return false;
    spdlog::info("loaded topic {} ({} partitions)", t.name, rec.partition_count);
    self->state.topics.emplace(t.name, std::move(t));
  }
  return true;
}

} // namespace

caf::actor spawn_topic_manager(caf::actor_system& sys, topic_manager_args args) {
  return sys.spawn([a = std::move(args)](topic_manager_self self) mutable -> caf::behavior {
    self->state.args = std::move(a);
    self->state.rng.seed(self->state.args.seed);
    std::string error;
    if (!load_topics(self, error)) {
      spdlog::critical("cannot load topics: {}", error);
      self->quit(caf::make_error(caf::sec::runtime_error, error));
      return {};
    }
    publish_snapshot(self->state);
    return caf::behavior{single_node_elastic(self).or_else(topic_manager_behavior(self))};
  });
}

} // namespace caudal::actors
