// DescribeConfigs from the image, AlterConfigs and IncrementalAlterConfigs
// as controller commands carrying each topic's complete new override set.

#include <caf/all.hpp>

#include "actors/cluster_topic_state.h"
#include "actors/config_entries.h"
#include "actors/error_codes.h"

namespace caudal::actors {

namespace {

config_map overrides_of(const metadata::image& img, const std::string& topic) {
  auto it = img.topic_configs.find(topic);
  return it == img.topic_configs.end() ? config_map{} : it->second;
}

} // namespace

msg::describe_configs_response describe_configs(cluster_topic_self self,
                                                const msg::describe_configs_request& req) {
  auto& st = self->state;
  msg::describe_configs_response resp;
  for (auto& res : req.resources) {
    describe_configs_result r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    if (res.resource_type == config_resource_topic && !st.image->topic(res.resource_name)) {
      r.error_code = error_code::unknown_topic_or_partition;
      r.error_message = "topic '" + res.resource_name + "' does not exist";
    } else if (res.resource_type == config_resource_topic) {
      describe_topic_entries(overrides_of(*st.image, res.resource_name),
                             st.args.broker_topic_defaults, res.configuration_keys,
                             req.include_documentation, r);
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

/// Sends the new override sets of the resources that passed the local
/// checks (`slots` index `Resp::responses`) and answers once the image
/// holds them.
template <class Resp>
caf::result<Resp> run_alter(cluster_topic_self self, std::shared_ptr<Resp> resp,
                            alter_configs_cmd cmd, std::vector<size_t> slots) {
  if (cmd.topics.empty()) return *resp;
  auto rp = self->make_response_promise<Resp>();
  send_command(self, cmd, [self, rp, resp, slots, cmd](const command_result& r) mutable {
    std::vector<topic_configs> applied;
    for (size_t k = 0; k < slots.size(); ++k) {
      auto& out = resp->responses[slots[k]];
      auto item = item_of(r, k, out.resource_name);
      out.error_code = item.error;
      if (item.error != 0)
        out.error_message = item.message;
      else if (!cmd.validate_only)
        applied.push_back(cmd.topics[k]);
    }
    auto ready = [applied](const metadata::image& img) {
      for (auto& a : applied)
        if (img.topic(a.topic) && overrides_of(img, a.topic) != a.configs) return false;
      return true;
    };
    when_image(self, ready, [rp, resp]() mutable { rp.deliver(*resp); });
  });
  return rp;
}

} // namespace

caf::result<msg::alter_configs_response> alter_configs(cluster_topic_self self,
                                                       const msg::alter_configs_request& req) {
  auto resp = std::make_shared<msg::alter_configs_response>();
  alter_configs_cmd cmd{{}, req.validate_only};
  std::vector<size_t> slots;
  for (auto& res : req.resources) {
    msg::alter_configs_response::alter_configs_resource_response r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    if (res.resource_type != config_resource_topic) {
      r.error_code = error_code::invalid_request;
      r.error_message = "only topic configs can be altered";
    } else {
      topic_configs tc{res.resource_name, {}}; // AlterConfigs replaces the whole set
      for (auto& c : res.configs)
        if (c.value) tc.configs[c.name] = *c.value;
      slots.push_back(resp->responses.size());
      cmd.topics.push_back(std::move(tc));
    }
    resp->responses.push_back(std::move(r));
  }
  return run_alter(self, resp, std::move(cmd), std::move(slots));
}

caf::result<msg::incremental_alter_configs_response>
incremental_alter_configs(cluster_topic_self self,
                          const msg::incremental_alter_configs_request& req) {
  auto& st = self->state;
  auto resp = std::make_shared<msg::incremental_alter_configs_response>();
  alter_configs_cmd cmd{{}, req.validate_only};
  std::vector<size_t> slots;
  for (auto& res : req.resources) {
    msg::incremental_alter_configs_response::alter_configs_resource_response r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    std::string message;
    auto configs = overrides_of(*st.image, res.resource_name);
    bool ok = res.resource_type == config_resource_topic;
    if (!ok) message = "only topic configs can be altered";
    for (auto& c : res.configs)
      ok = ok && apply_config_op(configs, c.name, c.config_operation, c.value,
                                 st.args.broker_topic_defaults, message);
    if (ok) {
      slots.push_back(resp->responses.size());
      cmd.topics.push_back(topic_configs{res.resource_name, std::move(configs)});
    } else {
      r.error_code = res.resource_type == config_resource_topic ? error_code::invalid_config
                                                                : error_code::invalid_request;
      r.error_message = message;
    }
    resp->responses.push_back(std::move(r));
  }
  return run_alter(self, resp, std::move(cmd), std::move(slots));
}

} // namespace caudal::actors
