#pragma once
// Kafka's topic-level configs: names, types, defaults, validation, and the
// resolution of (topic overrides > broker defaults > Kafka defaults) into a
// log_config and into DescribeConfigs entries. Broker defaults are given under
// the *topic* config name (e.g. "retention.ms"); broker_synonym() names the
// broker property an operator sets for it (e.g. "log.retention.ms").

#include "storage/log_config.h"
#include "storage/result.h"

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace caudal::storage {

/// DescribeConfigs v3+ ConfigType values.
enum class config_type : int8_t {
  boolean = 1,
  string = 2,
  int_ = 3,
  short_ = 4,
  long_ = 5,
  double_ = 6,
  list = 7,
  class_ = 8,
  password = 9,
};

/// DescribeConfigs v1+ ConfigSource values.
enum class config_source : int8_t {
  unknown = 0,
  topic_config = 1,
  dynamic_broker_config = 2,
  dynamic_default_broker_config = 3,
  static_broker_config = 4,
  default_config = 5,
};

struct config_def {
  std::string_view name;
  config_type type;
  std::string_view default_value;
  std::string_view broker_synonym; // empty if the broker has none
  double min = 0;                  // numeric bounds (inclusive) when has_range
  double max = 0;
  bool has_range = false;
  std::vector<std::string_view> allowed; // STRING/LIST values allowed (empty: any)
  std::string_view doc;
};

/// Every topic config we know, in name order.
std::span<const config_def> topic_config_defs();
const config_def* find_topic_config(std::string_view name);
bool is_known_topic_config(std::string_view name);
bool is_list_config(std::string_view name);
/// The broker property that sets this topic config's default ("" if none).
std::string_view broker_synonym(std::string_view name);

/// invalid_config naming the key if `value` is not valid for `name`.
status validate_topic_config(std::string_view name, std::string_view value);
/// Validates every override (unknown names are invalid too).
status validate_topic_configs(const std::map<std::string, std::string>& overrides);

/// The value in force without a topic override: broker default, else Kafka's.
std::string effective_default(std::string_view name,
                              const std::map<std::string, std::string>& broker_defaults);

/// Resolves overrides over broker defaults over Kafka defaults into the log's settings.
result<log_config> make_log_config(const std::map<std::string, std::string>& overrides,
                                   const std::map<std::string, std::string>& broker_defaults);

struct described_config {
  std::string name;
  std::string value;
  bool read_only = false;
  bool is_default = true;
  bool sensitive = false;
  int8_t source = static_cast<int8_t>(config_source::default_config);
  int8_t type = static_cast<int8_t>(config_type::string);
  std::string documentation;
};

/// Every topic config with its effective value and where it comes from (DescribeConfigs).
std::vector<described_config>
describe_topic_configs(const std::map<std::string, std::string>& overrides,
                       const std::map<std::string, std::string>& broker_defaults);

} // namespace caudal::storage
