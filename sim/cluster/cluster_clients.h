#pragma once
// The Kafka clients of a multi-node run, speaking the wire protocol through
// in-process sessions (sim/client.h) to whichever node they choose:
//   - an admin creates the topic (replication factor as configured, by
//     default the number of nodes; min.insync.replicas=2), retrying until
//     the controller answers;
//   - idempotent producers (InitProducerId, per-partition sequences, one
//     batch in flight, acks=all) find each partition's leader with Metadata
//     and resend the same batch (same producer id, epoch, base sequence) on
//     NOT_LEADER_OR_FOLLOWER, timeouts, NOT_ENOUGH_REPLICAS or a broken
//     connection, refreshing the leader first — as Kafka clients do;
//   - consumers read every partition from its leader from their positions;
//   - the verifier (liveness phase) reads every partition from offset 0 to
//     the leader's high watermark, once that covers every acknowledgement.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/client.h"
#include "sim/cluster/cluster_history.h"
#include "sim/cluster/cluster_node.h"
#include "sim/sim_loop.h"

namespace caudal::sim::cluster {

struct clients_config {
  std::string topic = "events";
  int32_t partitions = 3;
  int16_t replication_factor = 0; // 0: the number of nodes
  int producers = 3;
  int consumers = 1;
  int keys_per_producer = 3;
  int max_batch = 4;
  int max_filler = 6;
  int64_t think_max_ms = 40;
  int64_t backoff_max_ms = 100;
  int64_t max_latency_ms = 3; // client <-> node, each way
  // Injected bug (negative test): producers use acks=1, i.e. the broker
  // "answers acks=all at the leader's append", before the quorum has it.
  bool bug_ack_on_leader_append = false;
};

class cluster_clients {
public:
  using log_fn = std::function<void(const std::string& who, const std::string& what)>;

  cluster_clients(sim_loop& loop, std::vector<cluster_node*> nodes, cluster_history& h, log_fn log,
                  clients_config cfg);
  ~cluster_clients();

  void start();
  /// The node crashed: its connections break (pending requests fail).
  void node_crashed(int32_t node);
  /// From now on every producer must get one more batch acknowledged.
  void begin_liveness();
  bool producers_done() const;
  /// Reads every partition from its leader up to a high watermark that
  /// covers every acknowledged offset.
  void start_verifier();
  bool verified() const { return verified_; }
  /// Every consumer read every partition up to the verifier's high watermark.
  bool consumers_caught_up() const;
  /// Per partition: the high watermark the verifier read up to.
  const std::map<int32_t, int64_t>& final_high_watermarks() const { return final_hw_; }
  /// Per partition: the verifier's position and last high watermark seen,
  /// against the highest acknowledged offset (for a liveness failure).
  std::string verifier_status() const;
  /// The leader of `partition` as the clients last saw it (-1 unknown).
  int32_t leader_of(int32_t partition) const;
  bool topic_ready() const { return topic_ready_; }
  const clients_config& config() const { return cfg_; }

  struct client; // connections and leader view of one client
  struct producer;
  struct consumer;

private:
  std::shared_ptr<connection> conn(client& c, int32_t node);
  std::shared_ptr<connection> any_conn(client& c);
  void refresh(client& c, std::function<void()> then);
  void create_topic();
  void start_clients();
  void produce_step(producer& p);
  void init_producer(producer& p);
  void next_batch(producer& p);
  void send_batch(producer& p);
  void on_produced(producer& p, int16_t error, int64_t base);
  void on_acked(producer& p, int64_t base);
  void fetch_step(consumer& c);
  void on_fetched(consumer& c, int32_t partition, int16_t error, int64_t hw,
                  const std::vector<log_record>* records);
  void verify_step();
  int64_t backoff() { return loop_.uniform(1, cfg_.backoff_max_ms); }
  int64_t think() { return loop_.uniform(0, cfg_.think_max_ms); }

  sim_loop& loop_;
  std::vector<cluster_node*> nodes_;
  cluster_history& history_;
  log_fn log_;
  clients_config cfg_;
  std::unique_ptr<client> admin_;
  std::vector<std::unique_ptr<producer>> producers_;
  std::vector<std::unique_ptr<consumer>> consumers_;
  std::unique_ptr<consumer> verifier_;
  std::map<int32_t, int64_t> final_hw_;
  bool topic_ready_ = false;
  bool liveness_ = false;
  bool verified_ = false;
};

} // namespace caudal::sim::cluster
