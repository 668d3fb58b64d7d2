#include "cluster/node_config.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace caudal::cluster {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    auto t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    auto eq = t.find_first_of("=:");
    if (eq == std::string::npos) continue;
    out[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  return out;
}

template <class T>
bool parse_int(const std::string& s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in{s};
  while (std::getline(in, item, sep))
    if (auto t = trim(item); !t.empty()) out.push_back(t);
  return out;
}

std::optional<endpoint> parse_one_listener(const std::string& first) {
  auto sep = first.find("://");
  if (sep == std::string::npos) return std::nullopt;
  endpoint ep;
  ep.listener_name = first.substr(0, sep);
  auto hostport = first.substr(sep + 3);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  ep.host = hostport.substr(0, colon);
  if (ep.host.size() > 1 && ep.host.front() == '[') ep.host = ep.host.substr(1, ep.host.size() - 2);
  if (!parse_int(hostport.substr(colon + 1), ep.port)) return std::nullopt;
  return ep;
}

// Broker keys whose value becomes a topic-level default under another name.
const std::map<std::string, std::string>& broker_to_topic_keys() {
  static const std::map<std::string, std::string> m{
      {"log.segment.bytes", "segment.bytes"},
      {"log.roll.ms", "segment.ms"},
      {"log.retention.ms", "retention.ms"},
      {"log.retention.bytes", "retention.bytes"},
      {"log.flush.interval.messages", "flush.messages"},
      {"log.flush.interval.ms", "flush.ms"},
      {"log.index.interval.bytes", "index.interval.bytes"},
      {"log.cleanup.policy", "cleanup.policy"},
      {"log.message.timestamp.type", "message.timestamp.type"},
      {"message.max.bytes", "max.message.bytes"},
      {"min.insync.replicas", "min.insync.replicas"},
      {"compression.type", "compression.type"},
  };
  return m;
}

bool apply_hours_fallbacks(std::map<std::string, std::string>& kv, config_error& err) {
  // Kafka accepts log.retention.{hours,minutes} when log.retention.ms is absent.
  if (kv.count("log.retention.ms")) return true;
  int64_t v = 0;
  if (auto it = kv.find("log.retention.minutes"); it != kv.end()) {
    if (!parse_int(it->second, v))
      return err.message = "log.retention.minutes: not a number", false;
    kv["log.retention.ms"] = std::to_string(v * 60000);
  } else if (auto it = kv.find("log.retention.hours"); it != kv.end()) {
    if (!parse_int(it->second, v)) return err.message = "log.retention.hours: not a number", false;
    kv["log.retention.ms"] = std::to_string(v * 3600000);
  }
  return true;
}

template <class T>
bool read_int(const std::map<std::string, std::string>& kv, const char* key, T& out,
              config_error& err) {
  auto it = kv.find(key);
  if (it == kv.end()) return true;
  if (!parse_int(it->second, out)) {
    err.message = std::string{key} + ": expected an integer, got '" + it->second + "'";
    return false;
  }
  return true;
}

bool read_bool(const std::map<std::string, std::string>& kv, const char* key, bool& out,
               config_error& err) {
  auto it = kv.find(key);
  if (it == kv.end()) return true;
  if (it->second == "true" || it->second == "false") return out = it->second == "true", true;
  err.message = std::string{key} + ": expected true or false, got '" + it->second + "'";
  return false;
}

std::string controller_listener_name(const std::map<std::string, std::string>& kv) {
  auto it = kv.find("controller.listener.names");
  return it == kv.end() ? std::string{"CONTROLLER"} : it->second.substr(0, it->second.find(','));
}

/// The client listener: the first one that is not the controller listener.
std::optional<endpoint> client_listener(const std::string& value, const std::string& controller) {
  for (auto& item : split(value, ',')) {
    auto ep = parse_one_listener(item);
    if (!ep) return std::nullopt;
    if (ep->listener_name != controller) return ep;
  }
  return std::nullopt;
}

bool read_listeners(const std::map<std::string, std::string>& kv, node_config& c,
                    config_error& err) {
  auto controller = controller_listener_name(kv);
  if (auto it = kv.find("listeners"); it != kv.end()) {
    auto ep = client_listener(it->second, controller);
    if (!ep) return err.message = "listeners: expected NAME://host:port[,...]", false;
    c.listener = c.advertised = *ep;
  }
  if (auto it = kv.find("advertised.listeners"); it != kv.end()) {
    auto ep = client_listener(it->second, controller);
    if (!ep) return err.message = "advertised.listeners: expected NAME://host:port", false;
    c.advertised = *ep;
  }
  if (c.advertised.host.empty() || c.advertised.host == "0.0.0.0") c.advertised.host = "127.0.0.1";
  return true;
}

bool read_numbers(const std::map<std::string, std::string>& kv, node_config& c, config_error& err) {
  return read_int(kv, "node.id", c.node_id, err) && read_int(kv, "broker.id", c.node_id, err) &&
         read_int(kv, "num.partitions", c.num_partitions, err) &&
         read_int(kv, "default.replication.factor", c.default_replication_factor, err) &&
         read_int(kv, "log.retention.check.interval.ms", c.retention_check_interval_ms, err) &&
         read_int(kv, "producer.id.expiration.ms", c.producer_id_expiration_ms, err) &&
         read_int(kv, "socket.request.max.bytes", c.socket_request_max_bytes, err) &&
         read_int(kv, "queued.max.request.bytes", c.queued_max_request_bytes, err) &&
         read_int(kv, "num.network.threads", c.network_threads, err) &&
         read_int(kv, "fetch.max.bytes", c.fetch_max_bytes, err) &&
         read_int(kv, "test.drop.produce.responses", c.test_drop_produce_responses, err) &&
         read_bool(kv, "auto.create.topics.enable", c.auto_create_topics, err);
}

bool check_ranges(const node_config& c, config_error& err) {
  if (c.num_partitions < 1) return err.message = "num.partitions must be >= 1", false;
  if (c.default_replication_factor < 1)
    return err.message = "default.replication.factor must be >= 1", false;
  if (c.socket_request_max_bytes < 1024)
    return err.message = "socket.request.max.bytes must be >= 1024", false;
  if (c.network_threads < 1) return err.message = "num.network.threads must be >= 1", false;
  if (c.producer_id_expiration_ms < 1)
    return err.message = "producer.id.expiration.ms must be >= 1", false;
  if (c.retention_check_interval_ms < 1)
    return err.message = "log.retention.check.interval.ms must be >= 1", false;
  return true;
}

} // namespace

namespace {

bool read_cluster(const std::map<std::string, std::string>& kv, node_config& c, config_error& err) {
  auto it = kv.find("controller.quorum.voters");
  if (it == kv.end()) return true;
  cluster_settings cs;
  auto voters = parse_voters(it->second, err);
  if (!voters) return false;
  cs.voters = std::move(*voters);
  auto name = controller_listener_name(kv);
  auto l = kv.find("listeners");
  auto ep = l == kv.end() ? std::nullopt : parse_listener(l->second, name);
  if (!ep)
    return err.message = "listeners: cluster mode needs a " + name + "://host:port listener", false;
  cs.inter_node = *ep;
  if (auto r = kv.find("broker.rack"); r != kv.end()) cs.rack = r->second;
  if (!read_int(kv, "replication.election.timeout.ms", cs.election_timeout_ms, err) ||
      !read_int(kv, "controller.quorum.election.timeout.ms", cs.controller_election_timeout_ms,
                err) ||
      !read_int(kv, "replica.fetch.wait.max.ms", cs.fetch_wait_ms, err) ||
      !read_bool(kv, "replication.flush.before.ack", cs.flush_before_ack, err) ||
      !read_int(kv, "metadata.log.max.record.bytes.between.snapshots", cs.metadata_snapshot_bytes,
                err))
    return false;
  if (cs.metadata_snapshot_bytes < 1)
    return err.message = "metadata.log.max.record.bytes.between.snapshots must be >= 1", false;
  if (cs.election_timeout_ms < 10 || cs.controller_election_timeout_ms < 10 || cs.fetch_wait_ms < 0)
    return err.message = "election timeouts must be >= 10 ms and replica.fetch.wait.max.ms >= 0",
           false;
  c.cluster = std::move(cs);
  return true;
}

} // namespace

std::optional<endpoint> parse_listener(const std::string& value, const std::string& name) {
  for (auto& item : split(value, ',')) {
    auto ep = parse_one_listener(item);
    if (!ep) return std::nullopt;
    if (name.empty() || ep->listener_name == name) return ep;
  }
  return std::nullopt;
}

std::optional<std::vector<voter>> parse_voters(const std::string& value, config_error& err) {
  std::vector<voter> out;
  for (auto& item : split(value, ',')) {
    voter v;
    auto at = item.find('@');
    auto colon = item.rfind(':');
    if (at == std::string::npos || colon == std::string::npos || colon < at ||
        !parse_int(item.substr(0, at), v.id) || !parse_int(item.substr(colon + 1), v.port) ||
        v.id < 0) {
      err.message = "controller.quorum.voters: expected id@host:port[,...], got '" + item + "'";
      return std::nullopt;
    }
    v.host = item.substr(at + 1, colon - at - 1);
    for (auto& o : out)
      if (o.id == v.id)
        return err.message = "controller.quorum.voters: node " + item + " twice", std::nullopt;
    out.push_back(std::move(v));
  }
  if (out.empty()) err.message = "controller.quorum.voters: empty";
  return out.empty() ? std::nullopt : std::optional{std::move(out)};
}

std::optional<node_config> parse_node_config(const std::string& text, config_error& err) {
  node_config c;
  c.raw = parse_properties(text);
  auto kv = c.raw;
  if (!apply_hours_fallbacks(kv, err)) return std::nullopt;
  if (!read_listeners(kv, c, err) || !read_numbers(kv, c, err) || !check_ranges(c, err) ||
      !read_cluster(kv, c, err))
    return std::nullopt;
  if (auto it = kv.find("log.dirs"); it != kv.end())
    c.log_dir = it->second;
  else if (auto it2 = kv.find("log.dir"); it2 != kv.end())
    c.log_dir = it2->second;
  c.log_dir = c.log_dir.substr(0, c.log_dir.find(',')); // one data dir for now
  if (auto it = kv.find("cluster.id"); it != kv.end()) c.cluster_id = it->second;
  if (auto it = kv.find("listener.impl"); it != kv.end()) {
    if (it->second != "asio" && it->second != "caf")
      return err.message = "listener.impl: expected asio or caf, got '" + it->second + "'",
             std::nullopt;
    c.listener_impl = it->second;
  }
  for (auto& [broker_key, topic_key] : broker_to_topic_keys())
    if (auto it = kv.find(broker_key); it != kv.end()) c.topic_defaults[topic_key] = it->second;
  return c;
}

std::optional<node_config> load_node_config(const std::string& path, config_error& err) {
  std::ifstream in{path};
  if (!in) {
    err.message = "cannot read config file '" + path + "'";
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_node_config(ss.str(), err);
}

} // namespace caudal::cluster
