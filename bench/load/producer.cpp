#include "bench/load/producer.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <thread>
#include <vector>

#include "bench/load/kafka.h"
#include "bench/load/payload.h"

namespace caudal::bench {

namespace {

// Delivery reports run on the poller thread only, so they own `out` while it runs.
struct dr_state {
  produce_result* out;
  run_control* control;
};

// What the producing thread itself observed (kept apart from `out` to avoid sharing it with
// the poller thread while both run).
struct send_side {
  std::uint64_t attempted = 0;
  std::uint64_t refused = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  const std::int64_t now = now_ns();
  auto* st = static_cast<dr_state*>(opaque);
  produce_result& out = *st->out;
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++out.failed;
    if (out.first_error.empty()) out.first_error = rd_kafka_err2str(msg->err);
    return;
  }
  // The message opaque carries the steady-clock time of the produce() call.
  const auto sent = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(msg->_private));
  out.latency_ns.record(now - sent);
  ++out.delivered;
  out.bytes += msg->len;
  out.end_ns = now;
  st->control->delivered.fetch_add(1, std::memory_order_relaxed);
}

conf_ptr producer_conf(const load_options& opts, dr_state* st, std::string& err) {
  conf_ptr conf = base_conf(opts);
  const std::pair<const char*, std::string> props[] = {
      {"acks", opts.acks},
      {"linger.ms", std::to_string(opts.linger_ms)},
      {"batch.size", std::to_string(opts.batch_bytes)},
      {"compression.codec", opts.compression},
  };
  for (const auto& [key, value] : props)
    if (err = set(conf.get(), key, value); !err.empty()) return nullptr;
  if (err = apply_extra(conf.get(), opts); !err.empty()) return nullptr;
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), st);
  return conf;
}

// One produce() call, retried while the client's queue is full (backpressure). The latency
// clock started before the first attempt, so time spent blocked on a full queue counts.
bool produce_one(rd_kafka_topic_t* rkt, std::span<std::byte> payload, std::int64_t t,
                 const run_control& control, send_side& side) {
  void* opaque = reinterpret_cast<void*>(static_cast<std::intptr_t>(t));
  while (true) {
    if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload.data(),
                         payload.size(), nullptr, 0, opaque) == 0) {
      ++side.attempted;
      return true;
    }
    const rd_kafka_resp_err_t e = rd_kafka_last_error();
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      ++side.refused;
      if (side.first_error.empty()) side.first_error = rd_kafka_err2str(e);
      return false;
    }
    if (control.abort.load()) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

send_side produce_loop(rd_kafka_topic_t* rkt, const load_options& opts, int index,
                       std::uint64_t messages, double rate, const run_control& control) {
  send_side side;
  payload_source payloads(opts.size, opts.seed + static_cast<std::uint64_t>(index));
  const auto interval = rate > 0 ? static_cast<std::int64_t>(1e9 / rate) : 0;
  std::int64_t next = now_ns();
  for (std::uint64_t i = 0; messages == 0 || i < messages; ++i) {
    if (control.abort.load()) break;
    if (interval > 0) {
      std::this_thread::sleep_until(
          std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
      next += interval;
    }
    const std::int64_t t = now_ns();
    if (control.produce_deadline_ns != 0 && t >= control.produce_deadline_ns) break;
    if (!produce_one(rkt, payloads.next(t), t, control, side)) break;
  }
  return side;
}

// Waits until every accepted message has its delivery report served; false on abort.
bool wait_delivered(rd_kafka_t* rk, const run_control& control) {
  while (rd_kafka_outq_len(rk) > 0) {
    if (control.abort.load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

} // namespace

void produce_result::merge(const produce_result& other) {
  attempted += other.attempted;
  delivered += other.delivered;
  failed += other.failed;
  bytes += other.bytes;
  if (other.start_ns != 0 && (start_ns == 0 || other.start_ns < start_ns))
    start_ns = other.start_ns;
  end_ns = std::max(end_ns, other.end_ns);
  complete = complete && other.complete;
  if (first_error.empty()) first_error = other.first_error;
  latency_ns.merge(other.latency_ns);
}

void run_producer(const load_options& opts, int index, std::uint64_t messages, double rate,
                  run_control& control, produce_result& out) {
  dr_state st{&out, &control};
  std::string err;
  conf_ptr conf = producer_conf(opts, &st, err);
  handle_ptr rk = conf ? make_handle(RD_KAFKA_PRODUCER, std::move(conf), err) : nullptr;
  if (!rk) {
    out.first_error = err;
    return;
  }
  topic_ptr rkt(rd_kafka_topic_new(rk.get(), opts.topic.c_str(), nullptr));
  // A dedicated thread serves delivery reports as they arrive, so the measured latency does
  // not include however long the sending loop takes to get around to polling.
  std::atomic<bool> stop_polling{false};
  std::thread poller([&] {
    while (!stop_polling.load()) rd_kafka_poll(rk.get(), 50);
  });
  out.start_ns = now_ns();
  const send_side side = produce_loop(rkt.get(), opts, index, messages, rate, control);
  const bool drained = wait_delivered(rk.get(), control);
  // On abort, fail what is still queued or in flight now instead of waiting for timeouts.
  if (!drained) rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  stop_polling = true;
  poller.join();
  rd_kafka_poll(rk.get(), 0);
  out.attempted = side.attempted;
  out.failed += side.refused;
  if (out.first_error.empty()) out.first_error = side.first_error;
  out.complete = drained && side.refused == 0;
}

} // namespace caudal::bench
