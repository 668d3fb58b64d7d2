// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics (and
// read-only describe of the node's own configuration).

#include <sstream>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/error_codes.h"
#include "actors/topic_handlers.h"
#include "storage/topic_config.h"

namespace caudal::actors {
namespace {

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;
constexpr int8_t source_static_broker = 4;

enum class alter_op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  if (!keys || keys->empty()) return true;
  return std::find(keys->begin(), keys->end(), name) != keys->end();
}

using describe_result = msg::describe_configs_response::describe_configs_result;
using describe_entry = msg::describe_configs_response::describe_configs_resource_result;

void describe_topic(topic_manager_state& st, const topic_entry& t,
                    const msg::describe_configs_request::describe_configs_resource& res,
                    bool include_docs, describe_result& out) {
  for (auto& e : storage::describe_topic_configs(t.configs, st.args.broker_topic_defaults)) {
    if (!wanted(res.configuration_keys, e.name)) continue;
    describe_entry d;
    d.name = e.name;
    d.value = e.value;
    d.read_only = e.read_only;
    d.is_default = e.is_default;
    d.config_source = e.source;
    d.is_sensitive = e.sensitive;
    d.config_type = e.type;
    if (include_docs) d.documentation = e.documentation;
    out.configs.push_back(std::move(d));
  }
}

void describe_broker(topic_manager_state& st,
                     const msg::describe_configs_request::describe_configs_resource& res,
                     describe_result& out) {
  for (auto& [k, v] : st.args.broker_configs) {
    if (!wanted(res.configuration_keys, k)) continue;
    describe_entry d;
    d.name = k;
    d.value = v;
    d.read_only = true;
    d.config_source = source_static_broker;
    d.config_type = 2; // STRING: the file's text as read
    out.configs.push_back(std::move(d));
  }
}

} // namespace

msg::describe_configs_response handle_describe_configs(topic_manager_self self,
                                                       const msg::describe_configs_request& req,
                                                       int16_t version) {
  (void)version;
  auto& st = self->state;
  msg::describe_configs_response resp;
  for (auto& res : req.resources) {
    describe_result r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    if (res.resource_type == resource_topic) {
      auto it = st.topics.find(res.resource_name);
      if (it == st.topics.end()) {
        r.error_code = error_code::unknown_topic_or_partition;
        r.error_message = "topic '" + res.resource_name + "' does not exist";
      } else {
        describe_topic(st, it->second, res, req.include_documentation, r);
      }
    } else if (res.resource_type == resource_broker) {
      describe_broker(st, res, r);
    } else {
      r.error_code = error_code::invalid_request;
      r.error_message = "unsupported resource type " + std::to_string(res.resource_type);
    }
    resp.results.push_back(std::move(r));
  }
  return resp;
}

namespace {

/// Validates and, unless validate_only, stores and applies new overrides.
int16_t replace_configs(topic_manager_self self, const std::string& topic,
                        std::map<std::string, std::string> configs, bool validate_only,
                        std::string& message) {
  auto& st = self->state;
  auto it = st.topics.find(topic);
  if (it == st.topics.end()) {
    message = "topic '" + topic + "' does not exist";
    return error_code::unknown_topic_or_partition;
  }
  if (auto e = check_topic_configs(st, configs, message); e != error_code::none) return e;
  if (validate_only) return error_code::none;
  auto old = std::move(it->second.configs);
  it->second.configs = std::move(configs);
  if (!persist_topic(st, it->second, message)) {
    it->second.configs = std::move(old);
    return error_code::kafka_storage_error;
  }
  push_log_config(self, it->second);
  publish_snapshot(st);
  return error_code::none;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss{s};
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string join_list(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs) out += (out.empty() ? "" : ",") + x;
  return out;
}

/// Applies one incremental operation to a copy of the overrides.
bool apply_op(const topic_manager_state& st, std::map<std::string, std::string>& configs,
              const std::string& name, int8_t op, const std::optional<std::string>& value,
              std::string& message) {
  switch (static_cast<alter_op>(op)) {
  case alter_op::set:
    configs[name] = value.value_or("");
    return true;
  case alter_op::remove:
    configs.erase(name);
    return true;
  case alter_op::append:
  case alter_op::subtract: {
    if (!storage::is_list_config(name)) {
      message = "config '" + name + "' is not a list; APPEND/SUBTRACT do not apply";
      return false;
    }
    auto current = configs.count(name)
                       ? configs[name]
                       : storage::effective_default(name, st.args.broker_topic_defaults);
    auto items = split_list(current);
    for (auto& v : split_list(value.value_or(""))) {
      auto pos = std::find(items.begin(), items.end(), v);
      if (static_cast<alter_op>(op) == alter_op::append && pos == items.end()) items.push_back(v);
      if (static_cast<alter_op>(op) == alter_op::subtract && pos != items.end()) items.erase(pos);
    }
    configs[name] = join_list(items);
    return true;
  }
  }
  message = "unknown config operation " + std::to_string(op);
  return false;
}

} // namespace

msg::alter_configs_response handle_alter_configs(topic_manager_self self,
                                                 const msg::alter_configs_request& req) {
  msg::alter_configs_response resp;
  for (auto& res : req.resources) {
    msg::alter_configs_response::alter_configs_resource_response r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    std::string message;
    if (res.resource_type != resource_topic) {
      r.error_code = error_code::invalid_request;
      message = "only topic configs can be altered";
    } else {
      std::map<std::string, std::string> configs; // AlterConfigs replaces the whole set
      for (auto& c : res.configs)
        if (c.value) configs[c.name] = *c.value;
      r.error_code =
          replace_configs(self, res.resource_name, std::move(configs), req.validate_only, message);
    }
    if (r.error_code != error_code::none) r.error_message = message;
    resp.responses.push_back(std::move(r));
  }
  return resp;
}

msg::incremental_alter_configs_response
handle_incremental_alter_configs(topic_manager_self self,
                                 const msg::incremental_alter_configs_request& req) {
  auto& st = self->state;
  msg::incremental_alter_configs_response resp;
  for (auto& res : req.resources) {
    msg::incremental_alter_configs_response::alter_configs_resource_response r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    std::string message;
    auto it = st.topics.find(res.resource_name);
    if (res.resource_type != resource_topic) {
      r.error_code = error_code::invalid_request;
      message = "only topic configs can be altered";
    } else if (it == st.topics.end()) {
      r.error_code = error_code::unknown_topic_or_partition;
      message = "topic '" + res.resource_name + "' does not exist";
    } else {
      auto configs = it->second.configs;
      bool ok = true;
      for (auto& c : res.configs)
        ok = ok && apply_op(st, configs, c.name, c.config_operation, c.value, message);
      r.error_code = ok ? replace_configs(self, res.resource_name, std::move(configs),
                                          req.validate_only, message)
                        : error_code::invalid_config;
    }
    if (r.error_code != error_code::none) r.error_message = message;
    resp.responses.push_back(std::move(r));
  }
  return resp;
}

} // namespace caudal::actors
