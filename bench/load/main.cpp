// caudal-load: a Kafka load generator on librdkafka (like kafka-producer-perf-test and
// rdkafka_performance). main() parses flags, runs producers and/or a consumer, and reports.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/load/consumer.h"
#include "bench/load/kafka.h"
#include "bench/load/options.h"
#include "bench/load/producer.h"
#include "bench/load/report.h"

using namespace caudal::bench;

namespace {

std::atomic<bool> interrupted{false};

void on_signal(int) { interrupted = true; }

void add_flags(CLI::App& app, load_options& o, bool& no_create) {
  const std::map<std::string, load_mode> modes = {
      {"produce", load_mode::produce}, {"consume", load_mode::consume}, {"both", load_mode::both}};
  app.add_option("-b,--brokers", o.brokers, "bootstrap servers host:port[,...]")
      ->capture_default_str();
  app.add_option("-t,--topic", o.topic, "topic")->capture_default_str();
  app.add_option("--mode", o.mode, "produce | consume | both")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
  app.add_option("-n,--messages", o.messages, "messages to produce / to consume (0: no limit)");
  app.add_option("--duration-s", o.duration_s,
                 "produce (consume mode: read) for this long (0: no limit)");
  app.add_option("-s,--size", o.size, "message payload bytes (at least 16)")->capture_default_str();
  app.add_option("--acks", o.acks, "0 | 1 | -1 | all")->capture_default_str();
  app.add_option("--producers", o.producers, "producer clients, one thread each")
      ->capture_default_str();
  app.add_option("--linger-ms", o.linger_ms, "linger.ms")->capture_default_str();
  app.add_option("--batch-bytes", o.batch_bytes, "batch.size")->capture_default_str();
  app.add_option("--compression", o.compression, "none | gzip | snappy | lz4 | zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  app.add_option("--partitions", o.partitions, "partitions of the created topic")
      ->capture_default_str();
  app.add_option("--replication-factor", o.replication_factor, "of the created topic")
      ->capture_default_str();
  app.add_flag("--no-create", no_create, "do not create the topic before producing");
  app.add_option("--rate", o.rate, "total messages/s over all producers (0: unthrottled)");
  app.add_option("--group", o.group, "consume mode: subscribe with this group.id");
  app.add_option("--idle-timeout-s", o.idle_timeout_s, "consumer gives up after this silence")
      ->capture_default_str();
  app.add_option("--timeout-s", o.timeout_s, "abandon (and fail) the run after this long")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "payload bytes seed")->capture_default_str();
  app.add_option("-X", o.extra_conf, "librdkafka property key=value (repeatable)");
  app.add_flag("--json", o.json, "print one JSON object on stdout (human lines go to stderr)");
}

produce_result produce_all(const load_options& opts, run_control& control) {
  const auto n = static_cast<std::uint64_t>(opts.producers);
  std::vector<produce_result> results(n);
  std::vector<std::thread> threads;
  if (opts.duration_s > 0)
    control.produce_deadline_ns = now_ns() + static_cast<std::int64_t>(opts.duration_s * 1e9);
  for (std::uint64_t i = 0; i < n; ++i) {
    // Split the count evenly; validate() guarantees every producer gets at least one.
    const std::uint64_t share = opts.messages / n + (i < opts.messages % n ? 1 : 0);
    threads.emplace_back([&, i, share] {
      run_producer(opts, static_cast<int>(i), share, opts.rate / static_cast<double>(n), control,
                   results[i]);
      control.producers_running.fetch_sub(1);
    });
  }
  for (auto& t : threads) t.join();
  produce_result total = results[0];
  for (std::uint64_t i = 1; i < n; ++i) total.merge(results[i]);
  return total;
}

void wait_consumer_ready(const run_control& control) {
  while (!control.consumer_ready.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void run(const load_options& opts, run_control& control, std::optional<produce_result>& produced,
         std::optional<consume_result>& consumed) {
  const bool produces = opts.mode != load_mode::consume;
  // Set before any thread starts: a following consumer stops once this reaches zero.
  control.producers_running = produces ? opts.producers : 0;
  std::thread consumer;
  if (opts.mode != load_mode::produce) {
    consumed.emplace();
    const bool follow = opts.mode == load_mode::both;
    consumer = std::thread([&, follow] {
      run_consumer(opts, follow ? 0 : opts.messages, follow, control, *consumed);
    });
    if (follow) wait_consumer_ready(control);
  }
  if (produces && !control.abort.load()) produced = produce_all(opts, control);
  if (consumer.joinable()) consumer.join();
}

// Sets control.abort on timeout or SIGINT/SIGTERM, until `done`.
std::thread start_watchdog(const load_options& opts, run_control& control,
                           const std::atomic<bool>& done) {
  return std::thread([&opts, &control, &done] {
    const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(opts.timeout_s * 1e9);
    while (!done.load()) {
      if (interrupted.load() || now_ns() >= deadline) {
        if (!interrupted.load()) std::fprintf(stderr, "caudal-load: --timeout-s reached\n");
        control.abort = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

bool succeeded(const std::optional<produce_result>& p, const std::optional<consume_result>& c) {
  const bool produce_ok = !p || (p->complete && p->failed == 0 && p->delivered > 0);
  const bool consume_ok = !c || (c->complete && c->errors == 0);
  return produce_ok && consume_ok && (p || c);
}

void print(const load_options& opts, const std::optional<produce_result>& produced,
           const std::optional<consume_result>& consumed) {
  std::FILE* human = opts.json ? stderr : stdout;
  if (produced) std::fprintf(human, "%s\n", produce_line(*produced).c_str());
  if (consumed)
    std::fprintf(human, "%s\n", consume_line(*consumed, opts.mode == load_mode::both).c_str());
  if (opts.json) std::printf("%s\n", run_json(opts, produced, consumed).dump(2).c_str());
}

} // namespace

int main(int argc, char** argv) {
  load_options opts;
  bool no_create = false;
  CLI::App app{"caudal-load: Kafka producer/consumer load generator"};
  add_flags(app, opts, no_create);
  CLI11_PARSE(app, argc, argv);
  opts.create_topic = !no_create;
  if (const std::string err = validate(opts); !err.empty()) {
    std::fprintf(stderr, "caudal-load: %s\n", err.c_str());
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (opts.mode != load_mode::consume && opts.create_topic) {
    if (const std::string err = create_topic(opts); !err.empty())
      std::fprintf(stderr,
                   "caudal-load: creating topic %s failed: %s (going on: the broker may "
                   "create it on first use)\n",
                   opts.topic.c_str(), err.c_str());
  }
  run_control control;
  std::atomic<bool> done{false};
  std::thread watchdog = start_watchdog(opts, control, done);
  std::optional<produce_result> produced;
  std::optional<consume_result> consumed;
  run(opts, control, produced, consumed);
  done = true;
  watchdog.join();
  print(opts, produced, consumed);
  return succeeded(produced, consumed) ? 0 : 1;
}
