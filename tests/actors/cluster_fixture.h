#pragma once
// N cluster nodes in ONE actor system on CAF's test coordinator: per node a
// peer router, a sim_network transport, a metastore, a controller actor and
// a subscriber that records the images it publishes. Posix files in a temp
// dir. Virtual time: run_until() runs jobs and jumps the clock to the next
// timer, so elections (seconds) take milliseconds of real time and every
// run with the same seeds is the same run.

#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/controller_actor.h"
#include "sim/network/sim_network.h"
#include "storage/file_io.h"
#include "storage/metastore.h"

namespace caudal::testing {

struct testing_config : caf::actor_system_config {
  testing_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

/// What a node's subscriber saw last.
struct observed {
  actors::image_ptr image;
  int32_t leader = -1;
  int updates = 0;
};

/// An actor system config that can (de)serialize the inter-node messages.
struct wire_config : caf::actor_system_config {
  wire_config();
};

struct cluster_fixture {
  std::string dir;
  storage::posix_filesystem fs;
  std::map<int32_t, std::unique_ptr<storage::metastore>> metas; // outlive the actors
  testing_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::unique_ptr<sim::sim_network> owned_net = std::make_unique<sim::sim_network>(sys, 7);
  sim::sim_network& net = *owned_net;
  std::vector<int32_t> ids;
  std::map<int32_t, caf::actor> routers, controllers, watchers;
  std::map<int32_t, std::shared_ptr<observed>> seen;
  std::map<int32_t, int> starts;   // per node, for fresh seeds at a restart
  int64_t snapshot_interval_bytes; // metadata snapshots (controller_args)

  explicit cluster_fixture(int nodes = 3, int64_t snapshot_bytes = 20 * 1024 * 1024);
  ~cluster_fixture();

  actors::controller_args controller_args_for(int32_t id);
  void start_controller(int32_t id);
  void kill_controller(int32_t id);

  int64_t now_ms();
  /// Runs jobs and timers until `pred` holds or `max_ms` of virtual time
  /// passed; false on timeout.
  bool run_until(const std::function<bool()>& pred, int64_t max_ms = 30000);
  /// Runs `ms` of virtual time.
  void run_for(int64_t ms);
  /// The leader every live controller's subscriber reports, or -1.
  int32_t agreed_leader();
  /// Waits for an agreed leader and every live node registered and live.
  int32_t await_stable_cluster();
  /// Sends a command to node `id`'s controller and runs until it answers.
  actors::command_result command(int32_t id, actors::controller_command cmd);
  int16_t report(int32_t id, actors::leader_report r);
  actors::controller_status status(int32_t id);
  /// A node with a running controller other than `leader`.
  int32_t follower_of(int32_t leader) const;
  /// Every running controller's node has published an image, and they are equal.
  bool images_equal();
};

} // namespace caudal::testing
