// DescribeConfigs from the image, AlterConfigs and IncrementalAlterConfigs
// as controller commands carrying each topic's complete new override set.

#include <algorithm>
#include <sstream>

#include <caf/all.hpp>

#include "actors/cluster_topic_state.h"
#include "actors/error_codes.h"
#include "storage/topic_config.h"

namespace caudal::actors {

namespace {

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;
constexpr int8_t source_static_broker = 4;

using describe_result = msg::describe_configs_response::describe_configs_result;
using describe_entry = msg::describe_configs_response::describe_configs_resource_result;

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  if (!keys || keys->empty()) return true;
  return std::find(keys->begin(), keys->end(), name) != keys->end();
}

std::map<std::string, std::string> overrides_of(const metadata::image& img,
                                                const std::string& topic) {
  auto it = img.topic_configs.find(topic);
  return it == img.topic_configs.end() ? std::map<std::string, std::string>{} : it->second;
}

void describe_topic(const cluster_topic_state& st, const std::string& topic,
                    const std::optional<std::vector<std::string>>& keys, bool docs,
                    describe_result& out) {
  auto described = storage::describe_topic_configs(overrides_of(*st.image, topic),
                                                   st.args.broker_topic_defaults);
  for (auto& e : described) {
    if (!wanted(keys, e.name)) continue;
    describe_entry d;
    d.name = e.name;
    d.value = e.value;
    d.read_only = e.read_only;
    d.is_default = e.is_default;
    d.config_source = e.source;
    d.is_sensitive = e.sensitive;
    d.config_type = e.type;
    if (docs) d.documentation = e.documentation;
    out.configs.push_back(std::move(d));
  }
}

void describe_broker(const cluster_topic_state& st,
                     const std::optional<std::vector<std::string>>& keys, describe_result& out) {
  for (auto& [k, v] : st.args.broker_configs) {
    if (!wanted(keys, k)) continue;
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

msg::describe_configs_response describe_configs(cluster_topic_self self,
                                                const msg::describe_configs_request& req) {
  auto& st = self->state;
  msg::describe_configs_response resp;
  for (auto& res : req.resources) {
    describe_result r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    if (res.resource_type == resource_topic && !st.image->topic(res.resource_name)) {
      r.error_code = error_code::unknown_topic_or_partition;
      r.error_message = "topic '" + res.resource_name + "' does not exist";
    } else if (res.resource_type == resource_topic) {
      describe_topic(st, res.resource_name, res.configuration_keys, req.include_documentation, r);
    } else if (res.resource_type == resource_broker) {
      describe_broker(st, res.configuration_keys, r);
    } else {
      r.error_code = error_code::invalid_request;
      r.error_message = "unsupported resource type " + std::to_string(res.resource_type);
    }
    resp.results.push_back(std::move(r));
  }
  return resp;
}

namespace {

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

/// One IncrementalAlterConfigs operation (0 set, 1 delete, 2 append,
/// 3 subtract) on a copy of the overrides; false with `message` if invalid.
bool apply_op(const cluster_topic_state& st, std::map<std::string, std::string>& configs,
              const std::string& name, int8_t op, const std::optional<std::string>& value,
              std::string& message) {
  if (op == 0) return configs[name] = value.value_or(""), true;
  if (op == 1) return configs.erase(name), true;
  if (op != 2 && op != 3) return message = "unknown config operation " + std::to_string(op), false;
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
    if (op == 2 && pos == items.end()) items.push_back(v);
    if (op == 3 && pos != items.end()) items.erase(pos);
  }
  configs[name] = join_list(items);
  return true;
}

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
    if (res.resource_type != resource_topic) {
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
    bool ok = res.resource_type == resource_topic;
    if (!ok) message = "only topic configs can be altered";
    for (auto& c : res.configs)
      ok = ok && apply_op(st, configs, c.name, c.config_operation, c.value, message);
    if (ok) {
      slots.push_back(resp->responses.size());
      cmd.topics.push_back(topic_configs{res.resource_name, std::move(configs)});
    } else {
      r.error_code = res.resource_type == resource_topic ? error_code::invalid_config
                                                         : error_code::invalid_request;
      r.error_message = message;
    }
    resp->responses.push_back(std::move(r));
  }
  return run_alter(self, resp, std::move(cmd), std::move(slots));
}

} // namespace caudal::actors
