#pragma once
// Everything one multi-node run owns (internal to cluster_sim.cpp and
// cluster_faults.cpp). Members are declared so that destruction runs in a
// safe order: clients, nodes, network, disks, then the actor system.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/controller_messages.h"
#include "sim/cluster/cluster_history.h"
#include "sim/cluster/cluster_node.h"
#include "sim/cluster/cluster_sim.h"
#include "sim/lying_filesystem.h"
#include "sim/network/sim_network.h"
#include "sim/sim_loop.h"
#include "sim/trace.h"
#include "storage/mem_filesystem.h"

namespace caudal::sim::cluster {

struct cluster_host {
  int32_t id = 0;
  std::string name; // "n1"
  storage::mem_filesystem disk;
  lying_filesystem lying{disk};
  std::unique_ptr<cluster_node> node;
};

struct cluster_world {
  const cluster_sim_config& cfg;
  std::string dir; // LMDB directories
  trace_log trace;
  sim_actor_config actor_cfg;
  caf::actor_system sys{actor_cfg};
  sim_loop loop{sys, cfg.seed};
  std::unique_ptr<sim_network> net;
  std::vector<std::unique_ptr<cluster_host>> hosts;
  cluster_history hist;
  std::unique_ptr<cluster_clients> clients;
  cluster_sim_result result;
  bool faults_on = false;
  int32_t impaired = -1;   // the node a budgeted fault holds (-1: none)
  uint64_t impairment = 0; // generation: a stale release event sees it change
  link_config base_link;
  std::set<int32_t> paused;       // nodes whose jobs the loop holds
  int64_t clogged_until_ms = 0;   // clogs are not healed: they expire (settle waits for them)
  int16_t replication_factor = 3; // of the workload's topic (resolved: 0 in the config = nodes)

  // Reassignment faults (cluster_moves.cpp). Per partition, the last move
  // the faults asked for: `certain` once the controller accepted it and
  // nothing asked later could have changed its target (an unanswered
  // command may still commit; a drain may move the partition again).
  struct move_goal {
    std::vector<int32_t> target;
    bool certain = false;
    bool asking = false;      // a command for the partition is unanswered
    bool was_certain = false; // `certain` before that command (restored on a refusal)
  };
  std::map<int32_t, move_goal> moves;
  int32_t drained = -1; // the node a decommission was sent for (-1: none)
  // Joins (cluster_join.cpp): the late nodes not booted yet (no fault picks
  // them, nothing boots them before their join), the ones that joined, and
  // those still waiting for a rebalance round toward them to be accepted.
  std::set<int32_t> unjoined;
  std::set<int32_t> joiners;
  std::set<int32_t> rebalance_wanted;
  int64_t next_join_round_ms = 0; // liveness: the earliest next rebalance round
  std::vector<caf::actor>
      askers; // one-shot actors awaiting controller answers (killed at teardown)

  cluster_world(const cluster_sim_config& c, const std::string& lmdb_dir);
  ~cluster_world();

  void log(const std::string& who, const std::string& what) { trace.add(loop.now_ms(), who, what); }
  cluster_host& host(int32_t id) { return *hosts[static_cast<size_t>(id - 1)]; }
  std::vector<int32_t> ids() const;
  /// False for a late node that has not booted for the first time yet.
  bool joined(int32_t id) const { return unjoined.count(id) == 0; }
  std::vector<int32_t> joined_ids() const;
  void boot(cluster_host& h);
  /// Power loss (disk loses/tears unsynced writes) or, with `keep_disk`, a
  /// process kill whose page cache survives.
  void crash(cluster_host& h, bool keep_disk);

  // cluster_faults.cpp
  void start_faults();
  void heal();

  // cluster_moves.cpp
  /// The image the final checks read: the one of the node its own
  /// controller names as leader (every node applies the same log), else any.
  actors::image_ptr final_image() const;
  /// True when every up node's image shows the workload's topic with no
  /// reassignment pending and all agree on its replica lists; else `why`.
  bool moves_settled(std::string& why) const;
  /// The topic's partitions as final_image() shows them (liveness reports).
  std::string image_status() const;
  /// Every move the faults started ended at its target; every drained node
  /// holds no replica. Violations go to the history.
  void check_moves(const metadata::image& img);

  // cluster_join.cpp
  /// Draws each late node's join time in the faulty phase.
  void schedule_joins();
  /// True when every node that joined is live (registered, unfenced) in the
  /// final image and holds a replica of the topic; else `why`. Starts a
  /// rebalance round toward it when none is pending (liveness phase).
  bool joins_settled(std::string& why);
  /// Every node that joined is live and holds a replica in the final image.
  void check_joins(const metadata::image& img);

private:
  void schedule_fault();
  void run_fault();
  int32_t pick_target();
  bool take(int32_t node, int64_t length_ms);
  void release(uint64_t generation);
  void fault_crash();
  void fault_power_loss();
  void fault_partition(bool one_way);
  void fault_partition_both();
  void fault_partition_one_way();
  void fault_flap();
  void fault_clog();
  void fault_pause();
  void fault_rolling_restart();
  void roll(size_t index, uint64_t generation);
  void fault_reassign();
  void fault_decommission();
  void reassign(int32_t via, const metadata::image& img, int32_t partition);
  /// Whether a command for the partition is unanswered or the image read
  /// has not reached its last accepted target (one move at a time).
  bool move_waiting(int32_t partition, const metadata::partition_state& ps) const;
  /// Sends a reassign_partitions_cmd of the partition to `target` (stepwise
  /// when it changes more than one replica) and tracks its goal.
  void send_move(int32_t via, int32_t partition, const std::vector<int32_t>& from,
                 const std::vector<int32_t>& target,
                 std::function<void(bool accepted)> then = nullptr);
  void join(int32_t node);
  void rebalance_loop(int32_t node);
  /// One rebalance round (metadata::rebalance over the joined nodes, moves of
  /// the workload's topic only); false when nothing could be sent.
  bool rebalance_round(int32_t node);
  int32_t next_joined(int32_t after) const;
  bool on_reassigned(int32_t partition, const std::vector<int32_t>& target,
                     const actors::command_result& r);
  void on_decommissioned(int32_t node, const actors::command_result& r);
  int32_t random_up_node();
  void send_command(int32_t via, actors::controller_command cmd,
                    std::function<void(const actors::command_result&)> done);
};

/// "[1,2,3]": node lists in trace lines and violations.
std::string node_list(const std::vector<int32_t>& nodes);

} // namespace caudal::sim::cluster
