#include "cmd/produce.h"

#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd/kafka_client.h"
#include "cmd/record_format.h"

namespace caudal::cmd {
namespace {

struct produce_options {
  std::string topic;
  std::string key_separator;
  std::vector<std::string> headers;
  int partition = RD_KAFKA_PARTITION_UA;
  std::string acks = "all";
  std::string compression = "none";
  bool verbose = false;
};

// Shared with the delivery-report callback through the handle's opaque pointer.
struct delivery_state {
  bool verbose = false;
  size_t delivered = 0;
  size_t failed = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<delivery_state*>(opaque);
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (state->failed++ == 0)
      state->first_error = describe_error(msg->err, rd_kafka_err2str(msg->err));
    return;
  }
  ++state->delivered;
  if (state->verbose) {
    std::printf("topic=%s partition=%d offset=%lld\n", rd_kafka_topic_name(msg->rkt),
                static_cast<int>(msg->partition), static_cast<long long>(msg->offset));
  }
}

headers_ptr build_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  if (headers.empty()) return nullptr;
  headers_ptr out{rd_kafka_headers_new(headers.size())};
  for (const auto& [k, v] : headers)
    rd_kafka_header_add(out.get(), k.data(), static_cast<ssize_t>(k.size()), v.data(), v.size());
  return out;
}

// Enqueues one record, waiting for queue space when the local queue is full.
rd_kafka_resp_err_t enqueue(rd_kafka_t* rk, const produce_options& opts, const input_record& rec,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
  const void* key = rec.key ? rec.key->data() : nullptr;
  size_t key_size = rec.key ? rec.key->size() : 0;
  for (;;) {
    // producev takes ownership of the headers only on success.
    auto hdrs = build_headers(headers);
    auto code = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(opts.topic.c_str()), RD_KAFKA_V_PARTITION(opts.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
        RD_KAFKA_V_VALUE(const_cast<char*>(rec.value.data()), rec.value.size()),
        RD_KAFKA_V_HEADERS(hdrs.get()), RD_KAFKA_V_END);
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)hdrs.release();
      return code;
    }
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) return code;
    rd_kafka_poll(rk, 100);
  }
}

int run_produce(const produce_options& opts, const global_options& global) {
  std::string bad;
  auto headers = parse_key_values(opts.headers, bad);
  if (!headers) return print_error("produce", "header '" + bad + "' is not key=value"), exit_usage;
  delivery_state state{opts.verbose, 0, 0, {}};
  client_error err;
  auto conf = make_conf(global,
                        {{"acks", opts.acks},
                         {"compression.codec", opts.compression},
                         {"message.timeout.ms", std::to_string(global.timeout_ms)}},
                        err);
  if (!conf) return print_error("produce", err.message), exit_usage;
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), &state);
  auto rk = make_handle(RD_KAFKA_PRODUCER, std::move(conf), err);
  if (!rk) return print_error("produce", err.message), exit_failure;
  std::string line;
  size_t sent = 0;
  while (std::getline(std::cin, line)) {
    auto code = enqueue(rk.get(), opts, split_record(line, opts.key_separator), *headers);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR)
      return print_error("produce", describe_error(code, rd_kafka_err2str(code))), exit_failure;
    ++sent;
    rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_flush(rk.get(), global.timeout_ms + 1000);
  if (state.failed > 0 || state.delivered != sent) {
    size_t lost = sent - state.delivered;
    print_error("produce", std::to_string(lost) + " of " + std::to_string(sent) +
                               " records not delivered: " +
                               (state.first_error.empty() ? "timed out" : state.first_error));
    return exit_failure;
  }
  return exit_ok;
}

} // namespace

void add_produce_command(CLI::App& app, const global_options& global, int& result) {
  auto opts = std::make_shared<produce_options>();
  auto* p = app.add_subcommand("produce", "Produce one record per line read from stdin");
  p->add_option("topic", opts->topic, "Topic to produce to")->required();
  p->add_option("-k,--key-separator", opts->key_separator,
                "Split each line at the first SEP into key and value");
  p->add_option("-H,--header", opts->headers, "Header key=value on every record (repeatable)");
  p->add_option("-p,--partition", opts->partition, "Partition (default: librdkafka partitioner)");
  p->add_option("--acks", opts->acks, "Required acks: 0, 1 or all (-1)")
      ->check(CLI::IsMember({"0", "1", "-1", "all"}))
      ->capture_default_str();
  p->add_option("-z,--compression", opts->compression, "none, gzip, snappy, lz4 or zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  p->add_flag("-v,--verbose", opts->verbose, "Print topic, partition and offset of each record");
  p->callback([opts, &global, &result] { result = run_produce(*opts, global); });
}

} // namespace caudal::cmd
