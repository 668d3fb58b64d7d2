// alter_configs: incremental config changes for topics and brokers.

#include <set>

#include "metadata/command_support.h"
#include "metadata/errors.h"

namespace caudal::metadata {

using namespace detail;

namespace {

bool is_node_id_text(const std::string& s) {
  if (s.empty() || s.size() > 9) return false; // fits int32 without overflow checks
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

item_result check_resource(const image& img, const config_resource& r,
                           const config_validator& validate) {
  if (r.type == topic_resource && !img.topic(r.name))
    return error_item(r.name, errc::unknown_topic_or_partition,
                      "Topic '" + r.name + "' does not exist.");
  if (r.type == broker_resource && !r.name.empty() && !is_node_id_text(r.name))
    return error_item(r.name, errc::invalid_request, "Broker resource name must be a node id.");
  if (r.type != topic_resource && r.type != broker_resource)
    return error_item(r.name, errc::invalid_request,
                      "Unsupported resource type " + std::to_string(r.type) + ".");
  std::set<std::string> keys;
  for (const auto& [key, value] : r.changes) {
    if (!keys.insert(key).second)
      return error_item(r.name, errc::invalid_request, "Config '" + key + "' is set twice.");
    if (auto err = validate ? validate(r.type, r.name, key, value) : std::nullopt)
      return error_item(r.name, errc::invalid_config, *err);
  }
  return ok_item(r.name);
}

/// Only changes that change something become records, so replays and
/// retries do not grow the log.
std::vector<record> effective_changes(const image& img, const config_resource& r) {
  const auto& all = r.type == topic_resource ? img.topic_configs : img.broker_configs;
  auto it = all.find(r.name);
  std::vector<record> out;
  for (const auto& [key, value] : r.changes) {
    std::optional<std::string> now;
    if (it != all.end())
      if (auto k = it->second.find(key); k != it->second.end()) now = k->second;
    if (now != value) out.push_back(config_record{r.type, r.name, key, value});
  }
  return out;
}

} // namespace

command_result alter_configs(const image& img, const std::vector<config_resource>& req,
                             const config_validator& validate, bool validate_only) {
  command_result out;
  for (const auto& r : req) {
    auto item = check_resource(img, r, validate);
    if (item.error == 0 && !validate_only) {
      auto recs = effective_changes(img, r);
      out.records.insert(out.records.end(), recs.begin(), recs.end());
    }
    out.items.push_back(item);
  }
  return out;
}

} // namespace caudal::metadata
