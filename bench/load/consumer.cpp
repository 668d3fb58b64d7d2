#include "bench/load/consumer.h"

#include <fmt/format.h>

#include <memory>
#include <set>
#include <span>
#include <vector>

#include "bench/load/kafka.h"
#include "bench/load/payload.h"

namespace caudal::bench {

namespace {

struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;

struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};

// Loop state that is not part of the result.
struct reader {
  rd_kafka_t* rk = nullptr;
  std::uint64_t expected = 0;
  std::int64_t deadline_ns = 0; // consume mode with --duration-s: stop reading then
  bool follow = false;
  int partitions = -1; // -1: group mode, the assignment decides
  int started = 0;     // partitions started on the simple consumer
  topic_ptr rkt;
  std::unique_ptr<rd_kafka_queue_t, queue_deleter> queue; // null in group mode
  std::set<std::int32_t> at_eof;
};

conf_ptr consumer_conf(const load_options& opts, std::string& err) {
  conf_ptr conf = base_conf(opts);
  std::vector<std::pair<const char*, std::string>> props = {
      {"enable.partition.eof", "true"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
  };
  if (!opts.group.empty()) props.emplace_back("group.id", opts.group);
  for (const auto& [key, value] : props)
    if (err = set(conf.get(), key, value); !err.empty()) return nullptr;
  if (err = apply_extra(conf.get(), opts); !err.empty()) return nullptr;
  return conf;
}

// Without a group: the simple (group-less) consumer reads every partition into one queue,
// from its start, or from its current end (the high watermark, queried before the producers
// start) when following. This needs only Metadata, ListOffsets and Fetch from the broker.
std::string start_all(reader& r, const load_options& opts, bool follow) {
  std::string err;
  r.partitions = partition_count(r.rk, opts.topic, 10'000, err);
  if (r.partitions < 0) return err;
  r.rkt.reset(rd_kafka_topic_new(r.rk, opts.topic.c_str(), nullptr));
  r.queue.reset(rd_kafka_queue_new(r.rk));
  for (int p = 0; p < r.partitions; ++p) {
    std::int64_t low = 0;
    std::int64_t high = RD_KAFKA_OFFSET_BEGINNING;
    if (follow) {
      const rd_kafka_resp_err_t e =
          rd_kafka_query_watermark_offsets(r.rk, opts.topic.c_str(), p, &low, &high, 10'000);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("watermarks: ") + rd_kafka_err2str(e);
    }
    if (rd_kafka_consume_start_queue(r.rkt.get(), p, high, r.queue.get()) != 0)
      return std::string("consume_start: ") + rd_kafka_err2str(rd_kafka_last_error());
    r.started = p + 1;
  }
  return "";
}

void stop_all(reader& r) {
  for (int p = 0; p < r.started; ++p) rd_kafka_consume_stop(r.rkt.get(), p);
}

std::string subscribe(rd_kafka_t* rk, const load_options& opts) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), opts.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, list.get());
  return e == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : std::string("subscribe: ") + rd_kafka_err2str(e);
}

int assigned_count(rd_kafka_t* rk) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  partition_list_ptr list(raw);
  return list->cnt;
}

void take(reader& r, const rd_kafka_message_t* m, std::int64_t now, consume_result& out) {
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    r.at_eof.insert(m->partition);
    return;
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++out.errors;
    if (out.first_error.empty()) out.first_error = rd_kafka_message_errstr(m);
    return;
  }
  r.at_eof.erase(m->partition);
  ++out.messages;
  out.bytes += m->len;
  out.end_ns = now;
  if (!r.follow) return;
  const auto stamp = read_stamp({static_cast<const std::byte*>(m->payload), m->len});
  if (stamp)
    out.e2e_ns.record(now - *stamp);
  else
    ++out.foreign;
}

rd_kafka_message_t* next_message(reader& r, int timeout_ms) {
  if (r.queue) return rd_kafka_consume_queue(r.queue.get(), timeout_ms);
  return rd_kafka_consumer_poll(r.rk, timeout_ms);
}

bool finished(reader& r, const run_control& control, const consume_result& out, std::int64_t now) {
  if (r.follow)
    return control.producers_running.load() == 0 && out.messages >= control.delivered.load();
  if (r.deadline_ns != 0 && now >= r.deadline_ns) return true;
  if (r.expected > 0) return out.messages >= r.expected;
  const int n = r.partitions >= 0 ? r.partitions : assigned_count(r.rk);
  return n > 0 && static_cast<int>(r.at_eof.size()) >= n;
}

void consume_loop(reader& r, const load_options& opts, const run_control& control,
                  consume_result& out) {
  const auto idle_ns = static_cast<std::int64_t>(opts.idle_timeout_s * 1e9);
  std::int64_t last_activity = now_ns();
  while (!control.abort.load()) {
    rd_kafka_message_t* m = next_message(r, 100);
    const std::int64_t now = now_ns();
    if (m != nullptr) {
      take(r, m, now, out);
      rd_kafka_message_destroy(m);
      last_activity = now;
    }
    if (finished(r, control, out, now)) {
      out.complete = true;
      return;
    }
    if (now - last_activity > idle_ns) {
      out.first_error = fmt::format("no message for {} s", opts.idle_timeout_s);
      return;
    }
  }
}

} // namespace

void run_consumer(const load_options& opts, std::uint64_t expected, bool follow,
                  run_control& control, consume_result& out) {
  std::string err;
  conf_ptr conf = consumer_conf(opts, err);
  handle_ptr rk = conf ? make_handle(RD_KAFKA_CONSUMER, std::move(conf), err) : nullptr;
  reader r;
  r.rk = rk.get();
  r.expected = expected;
  r.follow = follow;
  if (rk) err = opts.group.empty() ? start_all(r, opts, follow) : subscribe(rk.get(), opts);
  if (err.empty()) {
    out.start_ns = now_ns();
    if (!follow && opts.duration_s > 0)
      r.deadline_ns = out.start_ns + static_cast<std::int64_t>(opts.duration_s * 1e9);
    control.consumer_ready = true;
    consume_loop(r, opts, control, out);
  } else {
    out.first_error = err;
    control.abort = true; // producers waiting for the consumer must not start
    control.consumer_ready = true;
  }
  if (!rk) return;
  if (r.queue) {
    stop_all(r);
  } else {
    rd_kafka_consumer_close(rk.get());
  }
}

} // namespace caudal::bench
