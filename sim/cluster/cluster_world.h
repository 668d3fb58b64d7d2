#pragma once
// Everything one multi-node run owns (internal to cluster_sim.cpp and
// cluster_faults.cpp). Members are declared so that destruction runs in a
// safe order: clients, nodes, network, disks, then the actor system.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

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
  std::set<int32_t> paused;     // nodes whose jobs the loop holds
  int64_t clogged_until_ms = 0; // clogs are not healed: they expire (settle waits for them)

  cluster_world(const cluster_sim_config& c, const std::string& lmdb_dir);
  ~cluster_world();

  void log(const std::string& who, const std::string& what) { trace.add(loop.now_ms(), who, what); }
  cluster_host& host(int32_t id) { return *hosts[static_cast<size_t>(id - 1)]; }
  std::vector<int32_t> ids() const;
  void boot(cluster_host& h);
  /// Power loss (disk loses/tears unsynced writes) or, with `keep_disk`, a
  /// process kill whose page cache survives.
  void crash(cluster_host& h, bool keep_disk);

  // cluster_faults.cpp
  void start_faults();
  void heal();

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
};

} // namespace caudal::sim::cluster
