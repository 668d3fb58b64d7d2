#pragma once
// One multi-node simulation run (and sweeps of them): N cluster-mode nodes
// (sim/cluster/cluster_node.h) in one actor system on the deterministic
// scheduler (sim/sim_loop.h), the simulated network between them
// (sim/network/), a simulated disk per node, Kafka clients through
// in-process sessions, seeded faults within a survivable budget, a liveness
// phase, and the checkers. Same config + seed + code = same trace and hash.

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/cluster/cluster_clients.h"

namespace caudal::sim::cluster {

/// Which faults the faulty phase draws from (all seeded).
struct fault_mix {
  bool crashes = true;         // power loss of one node (often a leader), restart later
  bool partitions = true;      // one node (often a leader) cut off from the others, both ways
  bool one_way = true;         // the same, one direction only
  bool flaps = true;           // every link lossy, duplicating and slow for a while
  bool clogs = true;           // one link holds its messages for a while
  bool rolling_restart = true; // every node restarted in turn (process kill, disk kept)
  bool pauses = true;          // one node's actors not scheduled for a while (GC, SIGSTOP)
  // A correlated power loss of a majority (the leader and one more node),
  // both losing unsynced data. Survivable with honest fsyncs: every acks=all
  // record was fsynced on a majority before it was acknowledged.
  bool majority_power_loss = false;
  // Reassignment under load: a partition's replica (often its leader) is
  // replaced by a node outside its replica list, through the controller
  // command path (reassign_partitions_cmd to a random live node). Needs
  // nodes > replication factor.
  bool reassign = false;
  // Once per run, a node is drained (decommission_node_cmd) while nodes >
  // replication factor remain.
  bool decommission = false;
  // The late nodes (cluster_sim_config::late_nodes) boot for the first time
  // at a seeded time in the faulty phase, register, catch up the metadata
  // log (installing a snapshot: the others deleted its prefix), and get
  // replicas through a rebalance toward them.
  bool join = false;
};

struct cluster_sim_config {
  uint64_t seed = 1;
  int nodes = 3;
  int64_t duration_ms = 12000;       // faulty phase (simulated)
  int64_t liveness_bound_ms = 60000; // heal -> producers, verifier and consumers done
  int64_t settle_ms = 10000;         // after the last clog: followers must catch up within it
  int64_t fault_gap_min_ms = 200;    // between the starts of two faults
  int64_t fault_gap_max_ms = 1500;
  int64_t fault_length_max_ms = 4000; // down time, partition length, ...
  int64_t election_timeout_ms = 1000;
  // Metadata snapshots every this many bytes of metadata log: small, so
  // that runs take snapshots, delete log prefixes and send snapshots to
  // nodes that fell behind (production default: 20 MiB).
  int64_t metadata_snapshot_bytes = 512;
  // The last `late_nodes` node ids are not controller voters and are not
  // started at t=0 (observers, like Kafka brokers that are not in
  // controller.quorum.voters); faults.join boots them during the run.
  int late_nodes = 0;
  fault_mix faults;
  clients_config clients;
  // Injected bug (negative test): file syncs report success and make
  // nothing durable on every node, i.e. acknowledging before durability.
  bool bug_lying_fsync = false;
  std::ostream* trace = nullptr; // one line per event when set
};

struct cluster_sim_result {
  uint64_t seed = 0;
  uint64_t hash = 0;
  bool ok = false;
  std::vector<std::string> violations;
  int64_t sim_ms = 0;
  uint64_t crashes = 0, power_losses = 0, partitions = 0, one_way = 0, flaps = 0, clogs = 0,
           rolling_restarts = 0, restarts = 0, pauses = 0;
  // Reassignment faults: commands sent, moves the controller accepted, moves
  // found complete in the final image, drains accepted.
  uint64_t reassign_attempts = 0, moves_started = 0, moves_completed = 0, decommissions = 0;
  // Late nodes booted for the first time; rebalance rounds toward them that
  // sent at least one move.
  uint64_t joins = 0, rebalances = 0;
  uint64_t sent = 0, acked = 0, jobs = 0;
  uint64_t net_delivered = 0, net_dropped = 0, net_duplicated = 0;
  /// "seed S ok hash=... sim_ms=... crashes=..." (one line).
  std::string summary() const;
};

cluster_sim_result run_cluster_sim(const cluster_sim_config& cfg);

struct sweep_totals {
  uint64_t runs = 0, failures = 0;
  uint64_t crashes = 0, power_losses = 0, partitions = 0, one_way = 0, flaps = 0, clogs = 0,
           rolling_restarts = 0, pauses = 0, acked = 0;
  uint64_t reassign_attempts = 0, moves_started = 0, moves_completed = 0, decommissions = 0;
  uint64_t joins = 0, rebalances = 0;
  int64_t sim_ms = 0;
};

/// Runs seeds first..first+count-1 of `base`; `on_result` sees every run.
sweep_totals sweep_cluster_sim(cluster_sim_config base, uint64_t first, uint64_t count,
                               const std::function<void(const cluster_sim_result&)>& on_result);

} // namespace caudal::sim::cluster
