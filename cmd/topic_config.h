#pragma once
// Topic configuration through the admin API: DescribeConfigs and AlterConfigs.

#include <optional>
#include <string>
#include <vector>

#include "cmd/kafka_client.h"

namespace caudal::cmd {

/// One config entry of a topic as DescribeConfigs reports it.
struct config_entry {
  std::string name;
  std::optional<std::string> value; ///< nullopt: null (e.g. sensitive)
  std::string source;               ///< e.g. DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG
  bool is_dynamic = false;          ///< set on the topic itself (not inherited)
  bool is_read_only = false;
};

/// DescribeConfigs for one topic, entries sorted by name.
std::optional<std::vector<config_entry>> describe_topic_configs(rd_kafka_t* rk,
                                                                const std::string& topic,
                                                                const global_options& global,
                                                                client_error& err);

/// Sets the topic's complete set of dynamic configs to `configs` (AlterConfigs replaces
/// the whole set: anything not listed returns to its default).
bool alter_topic_configs(rd_kafka_t* rk, const std::string& topic,
                         const std::vector<std::pair<std::string, std::string>>& configs,
                         const global_options& global, client_error& err);

} // namespace caudal::cmd
