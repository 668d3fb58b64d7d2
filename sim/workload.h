#pragma once
// The workload: simulated Kafka clients of one topic. An admin client creates
// the topic (a few partitions, the scenario's topic configs); producers send
// acks=-1 batches of keyed records with unique values, one request in flight
// each; consumers run fetch loops over every partition; think times and
// backoffs come from the seeded generator. Everything clients learn goes to
// the history (checker.h); every step is a trace line.
//
// Plain producers never retry a request whose outcome is unknown (connection
// broken by a crash, or an error): they move on with new values, so a value
// that appears twice in a log is always a broker bug. Idempotent producers
// (InitProducerId, per-partition sequence numbers) resend the same batch with
// the same sequence until it is acknowledged, as Kafka clients do: the broker
// must store it once.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/checker.h"
#include "sim/client.h"
#include "sim/group_consumer.h"
#include "sim/sim_loop.h"
#include "sim/sim_node.h"
#include "sim/trace.h"

namespace caudal::sim {

struct workload_config {
  std::string topic = "sim";
  int32_t partitions = 3;
  int producers = 2;
  int consumers = 2;
  int keys_per_producer = 3;
  int max_batch = 3;
  int64_t think_max_ms = 40;
  int64_t backoff_max_ms = 200;
  int max_filler = 48;        // extra value bytes, seeded length
  int64_t max_latency_ms = 3; // client <-> node, each way
  std::map<std::string, std::string> topic_configs;
  /// Producers use InitProducerId and sequence numbers and retry a batch
  /// whose outcome is unknown until it is acknowledged.
  bool idempotent = false;
  /// Members of one consumer group (group.cpp); 0 = no group.
  int group_members = 0;
  std::string group = "sim-group";
  int32_t session_timeout_ms = 1000;
  /// Each member's client process restarts every 1..this ms during the
  /// faulty phase (0 = never): its partitions move to whoever joins.
  int64_t member_restart_max_ms = 3000;
  /// Harness bug for the negative test (sim_config::bug_retry_without_pid).
  bool retry_without_pid = false;
};

class workload {
public:
  workload(sim_loop& loop, sim_node& node, history& h, trace_log& trace, workload_config cfg);

  void start();
  /// Called once the topic exists (the end of the setup phase).
  void on_ready(std::function<void()> fn) { on_ready_ = std::move(fn); }
  /// The node crashed: every connection breaks.
  void on_crash();
  /// From now on each producer finishes after one more acknowledged batch.
  void begin_liveness();
  bool producers_done() const;
  /// Reads every partition from offset 0 to its high watermark.
  void start_verify();
  bool verified() const { return verified_; }
  const std::map<int32_t, std::vector<stored_record>>& final_logs() const { return final_; }
  bool consumers_caught_up() const;
  std::string progress() const;

private:
  struct outgoing { // a batch until it is acknowledged (or given up)
    int32_t partition = 0;
    std::string key;
    std::vector<std::string> values;
    int64_t timestamp_ms = 0;
    int32_t base_sequence = -1; // idempotent: fixed for every retry of this batch
    int attempts = 0;
  };
  struct producer {
    int id = 0;
    std::shared_ptr<connection> conn;
    std::vector<int64_t> key_seq;
    bool done = false;
    int64_t pid = -1; // idempotent identity from InitProducerId
    int16_t epoch = -1;
    std::map<int32_t, int32_t> next_sequence; // per partition
    std::optional<outgoing> out;
  };
  struct reader { // a consumer, or the final verifier (id -1)
    int id = 0;
    std::shared_ptr<connection> conn;
    std::vector<int64_t> pos;
  };

  bool get_conn(std::shared_ptr<connection>& c);
  int64_t think() { return loop_.uniform(0, cfg_.think_max_ms); }
  int64_t backoff() { return loop_.uniform(10, cfg_.backoff_max_ms); }
  void log(const std::string& who, const std::string& what) {
    trace_.add(loop_.now_ms(), who, what);
  }
  void create_topic();
  void start_clients();
  void schedule_member_restart(group_consumer& m);
  bool group_caught_up() const;
  void produce_step(producer& p);
  outgoing next_batch(producer& p);
  protocol::byte_buffer build_records(const producer& p, const outgoing& o) const;
  void send_batch(producer& p, bool final);
  void on_produced(producer& p, bool final, int16_t error, int64_t base);
  void on_acked(producer& p, bool final, int64_t base);
  void retry_or_drop(producer& p, int16_t error);
  void init_producer(producer& p);
  void fetch_step(reader& r);
  void on_fetched(reader& r, const void* resp);
  void take_records(reader& r, int32_t partition, const protocol::byte_buffer& records);
  void accept(reader& r, int32_t partition, int64_t offset, stored_record rec);
  std::string name(const producer& p) const { return "prod" + std::to_string(p.id); }
  std::string name(const reader& r) const {
    return r.id < 0 ? "verifier" : "cons" + std::to_string(r.id);
  }

  sim_loop& loop_;
  sim_node& node_;
  history& history_;
  trace_log& trace_;
  workload_config cfg_;
  std::shared_ptr<connection> admin_;
  std::vector<std::unique_ptr<producer>> producers_;
  std::vector<std::unique_ptr<reader>> consumers_;
  std::vector<std::unique_ptr<group_consumer>> members_;
  std::unique_ptr<reader> verifier_;
  std::map<int32_t, std::vector<stored_record>> final_;
  std::function<void()> on_ready_;
  bool liveness_ = false;
  bool verified_ = false;
};

} // namespace caudal::sim
