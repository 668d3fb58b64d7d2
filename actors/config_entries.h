#pragma once
// The parts of DescribeConfigs and IncrementalAlterConfigs that do not depend
// on where topic configs live: the single-node topic manager keeps them in
// its own state, the cluster topic manager in the metadata image.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages/describe_configs_response.h"

namespace caudal::actors {

using config_map = std::map<std::string, std::string>;
using config_keys = std::optional<std::vector<std::string>>;
using describe_configs_result = protocol::msg::describe_configs_response::describe_configs_result;

inline constexpr int8_t config_resource_topic = 2;
inline constexpr int8_t config_resource_broker = 4;

/// A topic's effective configs (its overrides over the broker's topic
/// defaults), restricted to `keys` (null or empty: all).
void describe_topic_entries(const config_map& overrides, const config_map& broker_topic_defaults,
                            const config_keys& keys, bool include_docs,
                            describe_configs_result& out);

/// The node's own configuration file entries, read-only, as STRING values.
void describe_broker_entries(const config_map& broker_configs, const config_keys& keys,
                             describe_configs_result& out);

/// Applies one IncrementalAlterConfigs operation (0 SET, 1 DELETE, 2 APPEND,
/// 3 SUBTRACT) to `configs`; false with `message` when it does not apply.
/// APPEND/SUBTRACT start from the default when the topic has no override.
bool apply_config_op(config_map& configs, const std::string& name, int8_t op,
                     const std::optional<std::string>& value,
                     const config_map& broker_topic_defaults, std::string& message);

} // namespace caudal::actors
