#include "cmd/topic_config.h"

#include <algorithm>

namespace caudal::cmd {
namespace {

config_entry convert_entry(const rd_kafka_ConfigEntry_t* e) {
  config_entry out;
  out.name = rd_kafka_ConfigEntry_name(e);
  if (const char* v = rd_kafka_ConfigEntry_value(e)) out.value = v;
  auto source = rd_kafka_ConfigEntry_source(e);
  out.source = rd_kafka_ConfigSource_name(source);
  out.is_dynamic = source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
  out.is_read_only = rd_kafka_ConfigEntry_is_read_only(e) != 0;
  return out;
}

// Both result kinds carry one resource per request resource; we always send exactly one.
const rd_kafka_ConfigResource_t* single_resource(const rd_kafka_ConfigResource_t** resources,
                                                 size_t count, const std::string& topic,
                                                 client_error& err) {
  if (count != 1) {
    err.message = "broker returned " + std::to_string(count) + " resources, expected 1";
    return nullptr;
  }
  auto code = rd_kafka_ConfigResource_error(resources[0]);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err.message = "topic '" + topic +
                  "': " + describe_error(code, rd_kafka_ConfigResource_error_string(resources[0]));
    return nullptr;
  }
  return resources[0];
}

} // namespace

std::optional<std::vector<config_entry>> describe_topic_configs(rd_kafka_t* rk,
                                                                const std::string& topic,
                                                                const global_options& global,
                                                                client_error& err) {
  config_resource_ptr resource{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str())};
  auto options = make_admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, global);
  queue_ptr queue{rd_kafka_queue_new(rk)};
  rd_kafka_ConfigResource_t* raw = resource.get();
  rd_kafka_DescribeConfigs(rk, &raw, 1, options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return std::nullopt;
  const auto* result = rd_kafka_event_DescribeConfigs_result(ev.get());
  size_t count = 0;
  const auto** resources = rd_kafka_DescribeConfigs_result_resources(result, &count);
  const auto* res = single_resource(resources, count, topic, err);
  if (res == nullptr) return std::nullopt;
  size_t entry_count = 0;
  const auto** entries = rd_kafka_ConfigResource_configs(res, &entry_count);
  std::vector<config_entry> out;
  for (size_t i = 0; i < entry_count; ++i) out.push_back(convert_entry(entries[i]));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

bool alter_topic_configs(rd_kafka_t* rk, const std::string& topic,
                         const std::vector<std::pair<std::string, std::string>>& configs,
                         const global_options& global, client_error& err) {
  config_resource_ptr resource{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str())};
  for (const auto& [name, value] : configs) {
    auto code = rd_kafka_ConfigResource_set_config(resource.get(), name.c_str(), value.c_str());
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      err.message = "config '" + name + "': " + describe_error(code, rd_kafka_err2str(code));
      return false;
    }
  }
  auto options = make_admin_options(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, global);
  queue_ptr queue{rd_kafka_queue_new(rk)};
  rd_kafka_ConfigResource_t* raw = resource.get();
  rd_kafka_AlterConfigs(rk, &raw, 1, options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return false;
  const auto* result = rd_kafka_event_AlterConfigs_result(ev.get());
  size_t count = 0;
  const auto** resources = rd_kafka_AlterConfigs_result_resources(result, &count);
  return single_resource(resources, count, topic, err) != nullptr;
}

} // namespace caudal::cmd
