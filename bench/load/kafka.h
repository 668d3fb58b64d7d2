#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>

#include "bench/load/options.h"

namespace caudal::bench {

struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct handle_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct topic_deleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using handle_ptr = std::unique_ptr<rd_kafka_t, handle_deleter>;
using topic_ptr = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;

// Steady-clock nanoseconds: the one clock every measurement of caudal-load uses.
std::int64_t now_ns();

// A configuration with bootstrap.servers; client errors go to librdkafka's own log on stderr
// (it suppresses repeats). Client-specific keys are added by the caller with set().
conf_ptr base_conf(const load_options& opts);

// Sets one property; on failure returns the client's message, else "".
std::string set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);

// Applies the -X key=value overrides; returns the first error or "".
std::string apply_extra(rd_kafka_conf_t* conf, const load_options& opts);

// Creates a client of the given type; conf is consumed whether it succeeds or not.
handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf, std::string& err);

// Creates opts.topic with opts.partitions and opts.replication_factor through the admin API.
// "Already exists" counts as success. Returns an error message or "".
std::string create_topic(const load_options& opts);

// The partition count of topic as the cluster's metadata reports it, or -1 with err set.
int partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_ms, std::string& err);

} // namespace caudal::bench
