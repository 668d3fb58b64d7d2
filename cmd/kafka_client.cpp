#include "cmd/kafka_client.h"

#include <algorithm>
#include <cstdio>

namespace caudal::cmd {
namespace {

// librdkafka logs connection refusals and retries on stderr by default; a CLI user wants
// one clear error at the end instead, so its log lines only show up with --debug.
void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

void stderr_log(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  std::fprintf(stderr, "librdkafka %d %s: %s\n", level, fac, buf);
}

bool set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                  client_error& err) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    err.message = errstr;
    return false;
  }
  return true;
}

partition_info convert_partition(const rd_kafka_metadata_partition_t& p) {
  partition_info out;
  out.id = p.id;
  out.leader = p.leader;
  out.err = p.err;
  out.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
  out.isrs.assign(p.isrs, p.isrs + p.isr_cnt);
  return out;
}

cluster_info convert_metadata(const rd_kafka_metadata_t& md) {
  cluster_info info;
  info.answered_by = md.orig_broker_id;
  for (int i = 0; i < md.broker_cnt; ++i)
    info.brokers.push_back({md.brokers[i].id, md.brokers[i].host, md.brokers[i].port});
  for (int i = 0; i < md.topic_cnt; ++i) {
    const auto& t = md.topics[i];
    topic_info topic{t.topic, t.err, {}};
    for (int j = 0; j < t.partition_cnt; ++j)
      topic.partitions.push_back(convert_partition(t.partitions[j]));
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    info.topics.push_back(std::move(topic));
  }
  std::sort(info.topics.begin(), info.topics.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return info;
}

} // namespace

conf_ptr make_conf(const global_options& global, const std::map<std::string, std::string>& extra,
                   client_error& err) {
  conf_ptr conf{rd_kafka_conf_new()};
  rd_kafka_conf_set_log_cb(conf.get(), global.debug ? stderr_log : quiet_log);
  std::map<std::string, std::string> props{
      {"bootstrap.servers", global.brokers},
      {"client.id", "caudal-cli"},
      {"socket.timeout.ms", std::to_string(std::max(global.timeout_ms, 10))},
  };
  for (const auto& [k, v] : extra) props[k] = v;
  for (const auto& [k, v] : props) {
    if (!set_property(conf.get(), k, v, err)) return nullptr;
  }
  return conf;
}

handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf, client_error& err) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    err.message = errstr;
    return nullptr;
  }
  (void)conf.release(); // rd_kafka_new took ownership
  return handle_ptr{rk};
}

std::optional<cluster_info> fetch_metadata(rd_kafka_t* rk, const global_options& global,
                                           client_error& err) {
  const rd_kafka_metadata_t* md = nullptr;
  auto rc = rd_kafka_metadata(rk, 1, nullptr, &md, global.timeout_ms);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err.message =
        "no metadata from " + global.brokers + ": " + describe_error(rc, rd_kafka_err2str(rc));
    return std::nullopt;
  }
  auto info = convert_metadata(*md);
  rd_kafka_metadata_destroy(md);
  return info;
}

const topic_info* find_topic(const cluster_info& info, const std::string& name, client_error& err) {
  for (const auto& t : info.topics) {
    if (t.name == name && t.err == RD_KAFKA_RESP_ERR_NO_ERROR) return &t;
    if (t.name == name) {
      err.message = "topic '" + name + "': " + describe_error(t.err, rd_kafka_err2str(t.err));
      return nullptr;
    }
  }
  err.message = "topic '" + name + "' does not exist (UNKNOWN_TOPIC_OR_PARTITION)";
  return nullptr;
}

admin_options_ptr make_admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                     const global_options& global) {
  admin_options_ptr options{rd_kafka_AdminOptions_new(rk, op)};
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), global.timeout_ms, errstr,
                                            sizeof errstr);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), global.timeout_ms, errstr,
                                                sizeof errstr);
  }
  return options;
}

event_ptr wait_admin_result(rd_kafka_queue_t* queue, const global_options& global,
                            client_error& err) {
  // librdkafka enforces the request timeout itself; the extra second only guards
  // against waiting forever if that ever fails.
  event_ptr ev{rd_kafka_queue_poll(queue, global.timeout_ms + 1000)};
  if (!ev) {
    err.message =
        "no answer from " + global.brokers + " within " + std::to_string(global.timeout_ms) + " ms";
    return nullptr;
  }
  if (auto code = rd_kafka_event_error(ev.get()); code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err.message = describe_error(code, rd_kafka_event_error_string(ev.get()));
    return nullptr;
  }
  return ev;
}

std::string describe_error(rd_kafka_resp_err_t code, const char* message) {
  std::string name = rd_kafka_err2name(code);
  // librdkafka prefixes its client-side (negative) codes with '_'; drop it for readability.
  if (!name.empty() && name.front() == '_') name.erase(0, 1);
  std::string text = message != nullptr ? message : "";
  if (text.empty() || text == name) return name;
  return name + ": " + text;
}

} // namespace caudal::cmd
