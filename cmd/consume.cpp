#include "cmd/consume.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

#include "cmd/kafka_client.h"
#include "cmd/record_format.h"

namespace caudal::cmd {
namespace {

struct consume_options {
  std::string topic;
  bool from_beginning = false;
  std::string offset;
  std::optional<int64_t> from_timestamp;
  int64_t count = 0;
  int partition = -1;
  std::string format = "%v";
  int idle_timeout_ms = 0;
  std::string offset_reset = "earliest";
};

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) { stop_requested = true; }

constexpr int poll_interval_ms = 100;

int64_t to_librdkafka_offset(const offset_spec& spec) {
  switch (spec.where) {
  case offset_spec::kind::beginning:
    return RD_KAFKA_OFFSET_BEGINNING;
  case offset_spec::kind::end:
    return RD_KAFKA_OFFSET_END;
  case offset_spec::kind::absolute:
    return spec.value;
  case offset_spec::kind::from_end:
    return RD_KAFKA_OFFSET_TAIL(spec.value);
  }
  return RD_KAFKA_OFFSET_END;
}

// Builds the assignment: the chosen partitions with their start offsets.
partition_list_ptr plan_assignment(rd_kafka_t* rk, const consume_options& opts,
                                   const offset_spec& start, const global_options& global,
                                   client_error& err) {
  auto info = fetch_metadata(rk, global, err);
  if (!info) return nullptr;
  const topic_info* topic = find_topic(*info, opts.topic, err);
  if (topic == nullptr) return nullptr;
  partition_list_ptr list{rd_kafka_topic_partition_list_new(1)};
  for (const auto& p : topic->partitions) {
    if (opts.partition >= 0 && p.id != opts.partition) continue;
    auto* tp = rd_kafka_topic_partition_list_add(list.get(), opts.topic.c_str(), p.id);
    tp->offset = opts.from_timestamp ? *opts.from_timestamp : to_librdkafka_offset(start);
  }
  if (list->cnt == 0) {
    err.message = "topic '" + opts.topic + "' has no partition " + std::to_string(opts.partition) +
                  " (UNKNOWN_TOPIC_OR_PARTITION)";
    return nullptr;
  }
  if (!opts.from_timestamp) return list;
  // ListOffsets by timestamp; partitions with no record at/after it start at the end.
  auto code = rd_kafka_offsets_for_times(rk, list.get(), global.timeout_ms);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err.message = "offsets for timestamp: " + describe_error(code, rd_kafka_err2str(code));
    return nullptr;
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
  }
  return list;
}

record_view view_of(const rd_kafka_message_t* msg) {
  record_view rec;
  rec.topic = rd_kafka_topic_name(msg->rkt);
  rec.partition = msg->partition;
  rec.offset = msg->offset;
  rd_kafka_timestamp_type_t type;
  rec.timestamp = rd_kafka_message_timestamp(msg, &type);
  if (msg->key != nullptr)
    rec.key = std::string_view{static_cast<const char*>(msg->key), msg->key_len};
  if (msg->payload != nullptr)
    rec.value = std::string_view{static_cast<const char*>(msg->payload), msg->len};
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return rec;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == 0; ++i) {
    std::optional<std::string_view> v;
    if (value != nullptr) v = std::string_view{static_cast<const char*>(value), size};
    rec.headers.emplace_back(name, v);
  }
  return rec;
}

void print_record(const consume_options& opts, const rd_kafka_message_t* msg) {
  auto rec = view_of(msg);
  std::string text =
      opts.format == "json" ? format_json(rec) + "\n" : format_record(opts.format, rec);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// Polls until -n records, the idle timeout, a signal, or a fatal error.
int consume_loop(rd_kafka_t* rk, const consume_options& opts) {
  int64_t received = 0;
  int idle_ms = 0;
  while (!stop_requested && (opts.count <= 0 || received < opts.count)) {
    message_ptr msg{rd_kafka_consumer_poll(rk, poll_interval_ms)};
    if (!msg) {
      // Counting poll intervals instead of reading a clock: idle time is approximate.
      idle_ms += poll_interval_ms;
      if (opts.idle_timeout_ms > 0 && idle_ms >= opts.idle_timeout_ms) break;
      continue;
    }
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      print_error("consume", describe_error(msg->err, rd_kafka_message_errstr(msg.get())));
      if (msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
          msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || msg->err == RD_KAFKA_RESP_ERR__FATAL)
        return exit_failure;
      continue;
    }
    idle_ms = 0;
    print_record(opts, msg.get());
    ++received;
  }
  if (opts.count > 0 && received < opts.count && !stop_requested) {
    print_error("consume", "idle for " + std::to_string(opts.idle_timeout_ms) + " ms after " +
                               std::to_string(received) + " of " + std::to_string(opts.count) +
                               " records");
    return exit_failure;
  }
  return exit_ok;
}

int run_consume(const consume_options& opts, const global_options& global) {
  auto start = parse_offset_spec(opts.from_beginning   ? "beginning"
                                 : opts.offset.empty() ? "end"
                                                       : opts.offset);
  if (!start) return print_error("consume", "bad offset '" + opts.offset + "'"), exit_usage;
  client_error err;
  auto conf = make_conf(global,
                        // librdkafka's assign() needs a group.id; the group is never
                        // joined and nothing is committed, only assign() is used.
                        {{"group.id", "caudal-cli"},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         {"enable.partition.eof", "false"},
                         {"auto.offset.reset", opts.offset_reset}},
                        err);
  if (!conf) return print_error("consume", err.message), exit_usage;
  auto rk = make_handle(RD_KAFKA_CONSUMER, std::move(conf), err);
  if (!rk) return print_error("consume", err.message), exit_failure;
  auto assignment = plan_assignment(rk.get(), opts, *start, global, err);
  if (!assignment) return print_error("consume", err.message), exit_failure;
  if (auto code = rd_kafka_assign(rk.get(), assignment.get()); code != RD_KAFKA_RESP_ERR_NO_ERROR)
    return print_error("consume", describe_error(code, rd_kafka_err2str(code))), exit_failure;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  int rc = consume_loop(rk.get(), opts);
  rd_kafka_consumer_close(rk.get());
  return rc;
}

} // namespace

void add_consume_command(CLI::App& app, const global_options& global, int& result) {
  auto opts = std::make_shared<consume_options>();
  auto* c =
      app.add_subcommand("consume", "Print records of a topic (partitions assigned, no group)");
  c->add_option("topic", opts->topic, "Topic to consume")->required();
  auto* begin =
      c->add_flag("--from-beginning", opts->from_beginning, "Start at the earliest offset");
  auto* offset = c->add_option("-o,--offset", opts->offset,
                               "Start offset: beginning, end, N (absolute) or -N (N before end); "
                               "default end");
  auto* ts = c->add_option("--from-timestamp", opts->from_timestamp,
                           "Start at the first record with timestamp >= MS (epoch milliseconds)");
  begin->excludes(offset)->excludes(ts);
  offset->excludes(ts);
  c->add_option("-n,--count", opts->count, "Exit after COUNT records");
  c->add_option("-p,--partition", opts->partition, "Only this partition (default: all)");
  c->add_option("-f,--format", opts->format,
                "'json' or a format: %t topic %p partition %o offset %T timestamp %k key %v value "
                "%h headers %K/%S key/value length")
      ->capture_default_str();
  c->add_option("--timeout", opts->idle_timeout_ms, "Exit after MS without records (0: never)");
  c->add_option("--offset-reset", opts->offset_reset,
                "When the start offset is out of range: earliest, latest or error")
      ->check(CLI::IsMember({"earliest", "latest", "error"}))
      ->capture_default_str();
  c->callback([opts, &global, &result] { result = run_consume(*opts, global); });
}

} // namespace caudal::cmd
