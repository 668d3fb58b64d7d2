#include "storage/topic_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace caudal::storage {

namespace {

constexpr double long_max = static_cast<double>(std::numeric_limits<int64_t>::max());
constexpr double int_max = static_cast<double>(std::numeric_limits<int32_t>::max());
constexpr std::string_view long_max_text = "9223372036854775807";

config_def num(std::string_view name, config_type type, std::string_view def,
               std::string_view synonym, double min, double max, std::string_view doc) {
  return config_def{name, type, def, synonym, min, max, true, {}, doc};
}

config_def text(std::string_view name, config_type type, std::string_view def,
                std::string_view synonym, std::vector<std::string_view> allowed,
                std::string_view doc) {
  return config_def{name, type, def, synonym, 0, 0, false, std::move(allowed), doc};
}

using T = config_type;

// Kafka 3.x topic configs with their defaults (TopicConfig / LogConfig), in two tables.
std::vector<config_def> cleanup_and_replication_defs() {
  return {
      text("cleanup.policy", T::list, "delete", "log.cleanup.policy", {"compact", "delete"},
           "Retention policy for old segments: delete and/or compact."),
      text("compression.type", T::string, "producer", "compression.type",
           {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"},
           "Final compression of the topic's data; producer keeps the producer's codec."),
      num("delete.retention.ms", T::long_, "86400000", "log.cleaner.delete.retention.ms", 0,
          long_max, "How long delete tombstones are kept on compacted topics."),
      num("file.delete.delay.ms", T::long_, "60000", "log.segment.delete.delay.ms", 0, long_max,
          "Time to wait before deleting a file from the filesystem."),
      num("flush.messages", T::long_, long_max_text, "log.flush.interval.messages", 1, long_max,
          "Records appended between forced fsyncs of the log."),
      num("flush.ms", T::long_, long_max_text, "log.flush.interval.ms", 0, long_max,
          "Maximum time between forced fsyncs of the log."),
      text("follower.replication.throttled.replicas", T::list, "",
           "follower.replication.throttled.replicas", {},
           "Replicas throttled on the follower side (partition:broker pairs or *)."),
      num("index.interval.bytes", T::int_, "4096", "log.index.interval.bytes", 0, int_max,
          "Bytes of log between two offset index entries."),
      text("leader.replication.throttled.replicas", T::list, "",
           "leader.replication.throttled.replicas", {},
           "Replicas throttled on the leader side (partition:broker pairs or *)."),
      num("local.retention.bytes", T::long_, "-2", "log.local.retention.bytes", -2, long_max,
          "Local size limit with tiered storage (-2: use retention.bytes)."),
      num("local.retention.ms", T::long_, "-2", "log.local.retention.ms", -2, long_max,
          "Local time limit with tiered storage (-2: use retention.ms)."),
      num("max.compaction.lag.ms", T::long_, long_max_text, "log.cleaner.max.compaction.lag.ms", 1,
          long_max, "Maximum time a record stays uncompacted."),
  };
}

std::vector<config_def> message_and_segment_defs() {
  return {
      num("max.message.bytes", T::int_, "1048588", "message.max.bytes", 0, int_max,
          "Largest record batch size allowed."),
      text("message.downconversion.enable", T::boolean, "true", "log.message.downconversion.enable",
           {}, "Whether old fetch versions get converted data."),
      text("message.format.version", T::string, "3.0-IV1", "log.message.format.version", {},
           "Deprecated: the message format version."),
      num("message.timestamp.after.max.ms", T::long_, long_max_text,
          "log.message.timestamp.after.max.ms", 0, long_max,
          "Largest allowed amount a record timestamp may be ahead of the broker's time."),
      num("message.timestamp.before.max.ms", T::long_, long_max_text,
          "log.message.timestamp.before.max.ms", 0, long_max,
          "Largest allowed amount a record timestamp may be behind the broker's time."),
      num("message.timestamp.difference.max.ms", T::long_, long_max_text,
          "log.message.timestamp.difference.max.ms", 0, long_max,
          "Deprecated: largest allowed difference between record and broker time."),
      text("message.timestamp.type", T::string, "CreateTime", "log.message.timestamp.type",
           {"CreateTime", "LogAppendTime"},
           "Whether record timestamps are the producer's or the log's."),
      num("min.cleanable.dirty.ratio", T::double_, "0.5", "log.cleaner.min.cleanable.ratio", 0, 1,
          "Dirty ratio above which the log is compacted."),
      num("min.compaction.lag.ms", T::long_, "0", "log.cleaner.min.compaction.lag.ms", 0, long_max,
          "Minimum time a record stays uncompacted."),
      num("min.insync.replicas", T::int_, "1", "min.insync.replicas", 1, int_max,
          "Replicas that must acknowledge an acks=all write."),
      text("preallocate", T::boolean, "false", "log.preallocate", {},
           "Whether segment files are preallocated."),
      text("remote.storage.enable", T::boolean, "false", "", {}, "Tiered storage for the topic."),
      num("retention.bytes", T::long_, "-1", "log.retention.bytes", -1, long_max,
          "Size limit of a partition before old segments are deleted (-1: none)."),
      num("retention.ms", T::long_, "604800000", "log.retention.ms", -1, long_max,
          "Age limit of a segment's newest record before deletion (-1: none)."),
      num("segment.bytes", T::int_, "1073741824", "log.segment.bytes", 14, int_max,
          "Segment file size at which the log rolls."),
      num("segment.index.bytes", T::int_, "10485760", "log.index.size.max.bytes", 4, int_max,
          "Maximum size of a segment's offset index."),
      num("segment.jitter.ms", T::long_, "0", "log.roll.jitter.ms", 0, long_max,
          "Random jitter subtracted from segment.ms."),
      num("segment.ms", T::long_, "604800000", "log.roll.ms", 1, long_max,
          "Time after which the log rolls even if the segment is not full."),
      text("unclean.leader.election.enable", T::boolean, "false", "unclean.leader.election.enable",
           {}, "Whether an out-of-sync replica may become leader (data loss)."),
  };
}

std::vector<config_def> build_defs() {
  auto d = cleanup_and_replication_defs();
  auto more = message_and_segment_defs();
  d.insert(d.end(), more.begin(), more.end());
  std::sort(d.begin(), d.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return d;
}

const std::vector<config_def>& defs() {
  static const std::vector<config_def> all = build_defs();
  return all;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_list(std::string_view s) {
  std::vector<std::string_view> out;
  if (trim(s).empty()) return out;
  size_t start = 0;
  while (true) {
    auto comma = s.find(',', start);
    out.push_back(trim(s.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <class N>
bool parse_number(std::string_view s, N& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
}

error_info bad(const config_def& d, std::string_view value, std::string_view why) {
  return make_error(errc::invalid_config,
                    fmt::format("Invalid value {} for configuration {}: {}", value, d.name, why));
}

status check_number(const config_def& d, std::string_view value) {
  double v = 0;
  if (d.type == T::double_) {
    if (!parse_number(value, v)) return bad(d, value, "not a number");
  } else {
    int64_t i = 0;
    if (!parse_number(value, i)) return bad(d, value, "not an integer");
    if (d.type == T::int_ &&
        (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()))
      return bad(d, value, "not a 32-bit integer");
    v = static_cast<double>(i);
  }
  auto bound = [&](double b) {
    return d.type == T::double_ ? fmt::format("{}", b) : fmt::format("{}", static_cast<int64_t>(b));
  };
  if (d.has_range && v < d.min) return bad(d, value, "Value must be at least " + bound(d.min));
  if (d.has_range && v > d.max) return bad(d, value, "Value must be no more than " + bound(d.max));
  return ok();
}

status check_text(const config_def& d, std::string_view value) {
  if (d.type == T::boolean) {
    if (iequals(trim(value), "true") || iequals(trim(value), "false")) return ok();
    return bad(d, value, "expected true or false");
  }
  if (d.allowed.empty()) return ok();
  auto allowed = [&](std::string_view v) {
    return std::find(d.allowed.begin(), d.allowed.end(), v) != d.allowed.end();
  };
  if (d.type == T::list) {
    for (auto item : split_list(value))
      if (!allowed(item)) return bad(d, value, fmt::format("'{}' is not allowed", item));
    return ok();
  }
  if (!allowed(trim(value)))
    return bad(d, value, fmt::format("string must be one of: {}", fmt::join(d.allowed, ", ")));
  return ok();
}

} // namespace

std::span<const config_def> topic_config_defs() { return defs(); }

const config_def* find_topic_config(std::string_view name) {
  const auto& all = defs();
  auto it = std::lower_bound(all.begin(), all.end(), name,
                             [](const config_def& d, std::string_view n) { return d.name < n; });
  return it != all.end() && it->name == name ? &*it : nullptr;
}

bool is_known_topic_config(std::string_view name) { return find_topic_config(name) != nullptr; }

bool is_list_config(std::string_view name) {
  auto* d = find_topic_config(name);
  return d != nullptr && d->type == T::list;
}

std::string_view broker_synonym(std::string_view name) {
  auto* d = find_topic_config(name);
  return d ? d->broker_synonym : std::string_view{};
}

status validate_topic_config(std::string_view name, std::string_view value) {
  auto* d = find_topic_config(name);
  if (!d)
    return make_error(errc::invalid_config, fmt::format("Unknown topic config name: {}", name));
  bool numeric =
      d->type == T::int_ || d->type == T::long_ || d->type == T::double_ || d->type == T::short_;
  return numeric ? check_number(*d, value) : check_text(*d, value);
}

status validate_topic_configs(const std::map<std::string, std::string>& overrides) {
  for (const auto& [name, value] : overrides) CAUDAL_TRY(validate_topic_config(name, value));
  return ok();
}

std::string effective_default(std::string_view name,
                              const std::map<std::string, std::string>& broker_defaults) {
  auto it = broker_defaults.find(std::string(name));
  if (it != broker_defaults.end()) return it->second;
  auto* d = find_topic_config(name);
  return d ? std::string(d->default_value) : std::string{};
}

namespace {

struct resolver {
  const std::map<std::string, std::string>& overrides;
  const std::map<std::string, std::string>& broker;

  std::string value(std::string_view name) const {
    auto it = overrides.find(std::string(name));
    return it != overrides.end() ? it->second : effective_default(name, broker);
  }
  template <class N>
  result<N> number(std::string_view name) const {
    auto v = value(name);
    CAUDAL_TRY(validate_topic_config(name, v));
    N out{};
    parse_number(v, out);
    return out;
  }
};

} // namespace

result<log_config> make_log_config(const std::map<std::string, std::string>& overrides,
                                   const std::map<std::string, std::string>& broker_defaults) {
  CAUDAL_TRY(validate_topic_configs(overrides));
  resolver r{overrides, broker_defaults};
  log_config cfg;
  auto assign = [&](auto& field, std::string_view name) -> status {
    auto v = r.number<std::remove_reference_t<decltype(field)>>(name);
    if (!v) return std::move(v).error();
    field = *v;
    return ok();
  };
  CAUDAL_TRY(assign(cfg.segment_bytes, "segment.bytes"));
  CAUDAL_TRY(assign(cfg.segment_ms, "segment.ms"));
  CAUDAL_TRY(assign(cfg.segment_index_bytes, "segment.index.bytes"));
  CAUDAL_TRY(assign(cfg.retention_ms, "retention.ms"));
  CAUDAL_TRY(assign(cfg.retention_bytes, "retention.bytes"));
  CAUDAL_TRY(assign(cfg.flush_messages, "flush.messages"));
  CAUDAL_TRY(assign(cfg.flush_ms, "flush.ms"));
  CAUDAL_TRY(assign(cfg.index_interval_bytes, "index.interval.bytes"));
  CAUDAL_TRY(assign(cfg.max_message_bytes, "max.message.bytes"));
  auto ts_type = r.value("message.timestamp.type");
  CAUDAL_TRY(validate_topic_config("message.timestamp.type", ts_type));
  cfg.log_append_time = trim(ts_type) == "LogAppendTime";
  return cfg;
}

std::vector<described_config>
describe_topic_configs(const std::map<std::string, std::string>& overrides,
                       const std::map<std::string, std::string>& broker_defaults) {
  std::vector<described_config> out;
  for (const auto& d : defs()) {
    described_config c;
    c.name = std::string(d.name);
    c.type = static_cast<int8_t>(d.type);
    c.documentation = std::string(d.doc);
    auto name = std::string(d.name);
    config_source src = config_source::default_config;
    if (auto it = overrides.find(name); it != overrides.end()) {
      c.value = it->second;
      src = config_source::topic_config;
    } else if (auto b = broker_defaults.find(name); b != broker_defaults.end()) {
      c.value = b->second;
      src = config_source::static_broker_config;
    } else {
      c.value = std::string(d.default_value);
    }
    c.source = static_cast<int8_t>(src);
    c.is_default = src == config_source::default_config;
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace caudal::storage
