#define BOOST_TEST_MODULE storage_topic_config
#include "storage/topic_config.h"
#include "test_util.h"

using namespace caudal::storage;
using namespace caudal::storage::test;

using config_map = std::map<std::string, std::string>;

BOOST_AUTO_TEST_CASE(defaults_are_kafkas) {
  auto cfg = must(make_log_config({}, {}));
  log_config d;
  BOOST_TEST(cfg.segment_bytes == 1073741824);
  BOOST_TEST(cfg.segment_ms == 604800000);
  BOOST_TEST(cfg.retention_ms == 604800000);
  BOOST_TEST(cfg.retention_bytes == -1);
  BOOST_TEST(cfg.flush_messages == std::numeric_limits<int64_t>::max());
  BOOST_TEST(cfg.flush_ms == std::numeric_limits<int64_t>::max());
  BOOST_TEST(cfg.index_interval_bytes == 4096);
  BOOST_TEST(cfg.max_message_bytes == 1048588);
  BOOST_TEST(cfg.segment_index_bytes == 10485760);
  BOOST_TEST(!cfg.log_append_time);
  BOOST_TEST(cfg.segment_bytes == d.segment_bytes);
  BOOST_TEST(cfg.max_message_bytes == d.max_message_bytes);
}

BOOST_AUTO_TEST_CASE(overrides_beat_broker_defaults) {
  config_map broker{{"retention.ms", "1000"}, {"segment.bytes", "2048"}};
  config_map topic{{"retention.ms", "-1"},
                   {"message.timestamp.type", "LogAppendTime"},
                   {"flush.messages", "1"},
                   {"cleanup.policy", "compact, delete"}};
  auto cfg = must(make_log_config(topic, broker));
  BOOST_TEST(cfg.retention_ms == -1);
  BOOST_TEST(cfg.segment_bytes == 2048);
  BOOST_TEST(cfg.log_append_time);
  BOOST_TEST(cfg.flush_messages == 1);
  BOOST_TEST(effective_default("retention.ms", broker) == "1000");
  BOOST_TEST(effective_default("retention.bytes", broker) == "-1");
}

BOOST_AUTO_TEST_CASE(validation_names_the_bad_key) {
  auto expect_bad = [](config_map m, std::string_view key) {
    auto r = make_log_config(m, {});
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == errc::invalid_config);
    BOOST_TEST(r.error().message.find(key) != std::string::npos, r.error().message);
  };
  expect_bad({{"retention.ms", "abc"}}, "retention.ms");
  expect_bad({{"retention.ms", "-2"}}, "retention.ms");
  expect_bad({{"segment.bytes", "3000000000"}}, "segment.bytes"); // INT overflow
  expect_bad({{"segment.bytes", "10"}}, "segment.bytes");
  expect_bad({{"flush.messages", "0"}}, "flush.messages");
  expect_bad({{"cleanup.policy", "compact,bogus"}}, "cleanup.policy");
  expect_bad({{"compression.type", "brotli"}}, "compression.type");
  expect_bad({{"message.timestamp.type", "logappendtime"}}, "message.timestamp.type");
  expect_bad({{"unclean.leader.election.enable", "yes"}}, "unclean.leader.election.enable");
  expect_bad({{"min.cleanable.dirty.ratio", "1.5"}}, "min.cleanable.dirty.ratio");
  expect_bad({{"min.insync.replicas", "0"}}, "min.insync.replicas");
  expect_bad({{"no.such.config", "1"}}, "no.such.config");
  expect_bad({{"max.message.bytes", ""}}, "max.message.bytes");
  // Valid edge values.
  must(validate_topic_configs({{"min.cleanable.dirty.ratio", "0.25"},
                               {"unclean.leader.election.enable", "TRUE"},
                               {"retention.bytes", "-1"},
                               {"cleanup.policy", ""},
                               {"flush.ms", "9223372036854775807"}}));
  // A bad broker default is reported too, naming the key.
  auto r = make_log_config({}, {{"segment.ms", "0"}});
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().message.find("segment.ms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(known_configs_and_types) {
  BOOST_TEST(is_known_topic_config("retention.ms"));
  BOOST_TEST(!is_known_topic_config("log.retention.ms"));
  BOOST_TEST(is_list_config("cleanup.policy"));
  BOOST_TEST(!is_list_config("retention.ms"));
  BOOST_TEST(broker_synonym("retention.ms") == "log.retention.ms");
  BOOST_TEST(broker_synonym("max.message.bytes") == "message.max.bytes");
  auto defs = topic_config_defs();
  BOOST_TEST(defs.size() >= 25u);
  for (size_t i = 1; i < defs.size(); ++i) BOOST_TEST((defs[i - 1].name < defs[i].name));
  // Every default validates against its own definition.
  for (const auto& d : defs) must(validate_topic_config(d.name, d.default_value));
  BOOST_TEST(static_cast<int>(find_topic_config("segment.bytes")->type) == 3);
  BOOST_TEST(static_cast<int>(find_topic_config("retention.ms")->type) == 5);
  BOOST_TEST(static_cast<int>(find_topic_config("cleanup.policy")->type) == 7);
  BOOST_TEST(static_cast<int>(find_topic_config("preallocate")->type) == 1);
  BOOST_TEST(static_cast<int>(find_topic_config("min.cleanable.dirty.ratio")->type) == 6);
}

BOOST_AUTO_TEST_CASE(describe_reports_value_source_and_default) {
  auto all = describe_topic_configs({{"retention.ms", "5"}}, {{"segment.bytes", "4096"}});
  BOOST_TEST(all.size() == topic_config_defs().size());
  auto find = [&](std::string_view name) {
    auto it = std::find_if(all.begin(), all.end(), [&](auto& c) { return c.name == name; });
    BOOST_REQUIRE(it != all.end());
    return *it;
  };
  auto r = find("retention.ms");
  BOOST_TEST(r.value == "5");
  BOOST_TEST(!r.is_default);
  BOOST_TEST(r.source == 1); // TOPIC_CONFIG
  BOOST_TEST(r.type == 5);   // LONG
  auto s = find("segment.bytes");
  BOOST_TEST(s.value == "4096");
  BOOST_TEST(s.source == 4); // STATIC_BROKER_CONFIG
  BOOST_TEST(!s.is_default);
  auto c = find("cleanup.policy");
  BOOST_TEST(c.value == "delete");
  BOOST_TEST(c.is_default);
  BOOST_TEST(c.source == 5); // DEFAULT_CONFIG
  BOOST_TEST(!c.sensitive);
  BOOST_TEST(!c.read_only);
  BOOST_TEST(!c.documentation.empty());
}
