// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics (and
// read-only describe of the node's own configuration).

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/config_entries.h"
#include "actors/error_codes.h"
#include "actors/topic_handlers.h"

namespace caudal::actors {

msg::describe_configs_response handle_describe_configs(topic_manager_self self,
                                                       const msg::describe_configs_request& req,
                                                       int16_t version) {
  (void)version;
  auto& st = self->state;
  msg::describe_configs_response resp;
  for (auto& res : req.resources) {
    describe_configs_result r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    if (res.resource_type == config_resource_topic) {
      auto it = st.topics.find(res.resource_name);
      if (it == st.topics.end()) {
        r.error_code = error_code::unknown_topic_or_partition;
        r.error_message = "topic '" + res.resource_name + "' does not exist";
      } else {
        describe_topic_entries(it->second.configs, st.args.broker_topic_defaults,
                               res.configuration_keys, req.include_documentation, r);
      }
    } else if (res.resource_type == config_resource_broker) {
      describe_broker_entries(st.args.broker_configs, res.configuration_keys, r);
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

} // namespace

msg::alter_configs_response handle_alter_configs(topic_manager_self self,
                                                 const msg::alter_configs_request& req) {
  msg::alter_configs_response resp;
  for (auto& res : req.resources) {
    msg::alter_configs_response::alter_configs_resource_response r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    std::string message;
    if (res.resource_type != config_resource_topic) {
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
    if (res.resource_type != config_resource_topic) {
      r.error_code = error_code::invalid_request;
      message = "only topic configs can be altered";
    } else if (it == st.topics.end()) {
      r.error_code = error_code::unknown_topic_or_partition;
      message = "topic '" + res.resource_name + "' does not exist";
    } else {
      auto configs = it->second.configs;
      bool ok = true;
      for (auto& c : res.configs)
        ok = ok && apply_config_op(configs, c.name, c.config_operation, c.value,
                                   st.args.broker_topic_defaults, message);
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
