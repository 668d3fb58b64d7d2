#include "actors/config_entries.h"

#include <algorithm>
#include <sstream>

#include "storage/topic_config.h"

namespace caudal::actors {

namespace {

constexpr int8_t source_static_broker = 4;
constexpr int8_t type_string = 2;

using describe_entry = protocol::msg::describe_configs_response::describe_configs_resource_result;

bool wanted(const config_keys& keys, const std::string& name) {
  if (!keys || keys->empty()) return true;
  return std::find(keys->begin(), keys->end(), name) != keys->end();
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

} // namespace

void describe_topic_entries(const config_map& overrides, const config_map& broker_topic_defaults,
                            const config_keys& keys, bool include_docs,
                            describe_configs_result& out) {
  for (auto& e : storage::describe_topic_configs(overrides, broker_topic_defaults)) {
    if (!wanted(keys, e.name)) continue;
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

void describe_broker_entries(const config_map& broker_configs, const config_keys& keys,
                             describe_configs_result& out) {
  for (auto& [k, v] : broker_configs) {
    if (!wanted(keys, k)) continue;
    describe_entry d;
    d.name = k;
    d.value = v;
    d.read_only = true;
    d.config_source = source_static_broker;
    d.config_type = type_string; // the file's text as read
    out.configs.push_back(std::move(d));
  }
}

bool apply_config_op(config_map& configs, const std::string& name, int8_t op,
                     const std::optional<std::string>& value,
                     const config_map& broker_topic_defaults, std::string& message) {
  if (op == 0) return configs[name] = value.value_or(""), true;
  if (op == 1) return configs.erase(name), true;
  if (op != 2 && op != 3) return message = "unknown config operation " + std::to_string(op), false;
  if (!storage::is_list_config(name)) {
    message = "config '" + name + "' is not a list; APPEND/SUBTRACT do not apply";
    return false;
  }
  auto current =
      configs.count(name) ? configs[name] : storage::effective_default(name, broker_topic_defaults);
  auto items = split_list(current);
  for (auto& v : split_list(value.value_or(""))) {
    auto pos = std::find(items.begin(), items.end(), v);
    if (op == 2 && pos == items.end()) items.push_back(v);
    if (op == 3 && pos != items.end()) items.erase(pos);
  }
  configs[name] = join_list(items);
  return true;
}

} // namespace caudal::actors
