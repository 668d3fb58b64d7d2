#include "bench/load/kafka.h"

#include <chrono>

namespace caudal::bench {

namespace {

std::string wait_create_result(rd_kafka_queue_t* queue, int timeout_ms) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, timeout_ms);
  if (ev == nullptr) return "CreateTopics timed out";
  std::string err;
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = rd_kafka_event_error_string(ev);
  } else if (const auto* res = rd_kafka_event_CreateTopics_result(ev)) {
    size_t n = 0;
    const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n && err.empty(); ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(topics[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* msg = rd_kafka_topic_result_error_string(topics[i]);
        err = std::string(rd_kafka_err2name(e)) + (msg ? std::string(": ") + msg : "");
      }
    }
  } else {
    err = "unexpected admin event";
  }
  rd_kafka_event_destroy(ev);
  return err;
}

} // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
      RD_KAFKA_CONF_OK)
    return errstr;
  return "";
}

conf_ptr base_conf(const load_options& opts) {
  conf_ptr conf(rd_kafka_conf_new());
  set(conf.get(), "bootstrap.servers", opts.brokers);
  return conf;
}

std::string apply_extra(rd_kafka_conf_t* conf, const load_options& opts) {
  for (const auto& kv : opts.extra_conf) {
    const auto eq = kv.find('=');
    if (auto err = set(conf, kv.substr(0, eq), kv.substr(eq + 1)); !err.empty()) return err;
  }
  return "";
}

handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf, std::string& err) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) {
    err = errstr;
    return nullptr;
  }
  conf.release(); // rd_kafka_new took ownership
  return handle_ptr(rk);
}

std::string create_topic(const load_options& opts) {
  std::string err;
  conf_ptr conf = base_conf(opts);
  if (err = apply_extra(conf.get(), opts); !err.empty()) return err;
  handle_ptr rk = make_handle(RD_KAFKA_PRODUCER, std::move(conf), err);
  if (!rk) return err;
  char errstr[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(
      opts.topic.c_str(), opts.partitions, opts.replication_factor, errstr, sizeof(errstr));
  if (topic == nullptr) return errstr;
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), &topic, 1, nullptr, queue);
  err = wait_create_result(queue, 30'000);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(topic);
  return err;
}

int partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_ms, std::string& err) {
  topic_ptr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt.get(), &md, timeout_ms);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = std::string("metadata: ") + rd_kafka_err2str(e);
    return -1;
  }
  int count = -1;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (topic != t.topic) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      err = std::string("metadata for ") + topic + ": " + rd_kafka_err2str(t.err);
    else
      count = t.partition_cnt;
  }
  if (count < 0 && err.empty()) err = "metadata has no topic " + topic;
  rd_kafka_metadata_destroy(md);
  return count;
}

} // namespace caudal::bench
