#pragma once
// Internal state of the cluster topic manager, shared by its translation
// units: cluster_topic_manager.cpp (image following, partitions, snapshot),
// cluster_topic_admin.cpp (create/delete/grow/ensure),
// cluster_topic_configs.cpp (describe/alter configs) and
// cluster_topic_elastic*.cpp (reassignments, elections, draining).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/admin_messages.h"
#include "actors/cluster_topic_manager.h"
#include "actors/controller_messages.h"

namespace caudal::actors {

namespace msg = protocol::msg;

/// A partition replica this node runs.
struct local_partition {
  std::string topic;
  int32_t partition = 0;
  caf::actor actor;
  std::vector<int32_t> voters;
  bool drained = false; // told that this node is decommissioned
};

/// An ElectLeaders request waiting for the image to show its preferred
/// leaders (cluster_topic_elastic.cpp).
struct pending_election {
  struct item {
    protocol::uuid topic{};
    int32_t partition = 0;
    int32_t target = -1;   // the preferred replica
    size_t topic_slot = 0; // where its result goes in the response
    size_t slot = 0;
  };
  std::shared_ptr<msg::elect_leaders_response> response;
  std::vector<item> items; // not settled yet
  caf::typed_response_promise<msg::elect_leaders_response> promise;
};

/// Something to do once the local image satisfies `ready` (or at the deadline).
struct image_waiter {
  std::function<bool(const metadata::image&)> ready;
  std::function<void()> done;
};

struct cluster_topic_state {
  cluster_topic_manager_args args;
  image_ptr image = std::make_shared<const metadata::image>();
  int32_t leader = -1;
  std::map<std::pair<protocol::uuid, int32_t>, local_partition> local;
  std::map<uint64_t, image_waiter> waiters;
  uint64_t next_waiter = 1;
  uint64_t incarnation = 0; // this process's registration (0 until the controller said)
  // Replicas opened so far per group: each instance gets its own seed, so a
  // replica re-created for the same group (dropped, then assigned again)
  // draws other fetch ids than its predecessor, whose answers may still come.
  std::map<std::string, uint64_t> replicas_opened;
  bool serving = false; // the image has caught up to that registration (latched)
  std::map<uint64_t, pending_election> elections;
  uint64_t next_election = 1;
  bool election_timer = false;  // re-asks leaders while elections are pending
  bool balance_started = false; // automatic preferred-leader balancing armed
  static inline const char* name = "caudal.cluster_topic_manager";
};

using cluster_topic_self = caf::stateful_actor<cluster_topic_state>*;

// cluster_topic_manager.cpp
/// Sends a command to the controller; `then` gets its result (a transport
/// error becomes REQUEST_TIMED_OUT).
void send_command(cluster_topic_self self, controller_command cmd,
                  std::function<void(const command_result&)> then);
/// Runs `done` once the local image satisfies `ready`, at the latest after
/// image_wait_ms.
void when_image(cluster_topic_self self, std::function<bool(const metadata::image&)> ready,
                std::function<void()> done);
/// The error of item `i` of a result (the command's own error first).
command_item item_of(const command_result& r, size_t i, const std::string& name);

// cluster_topic_admin.cpp
caf::message_handler cluster_topic_admin(cluster_topic_self self);

// cluster_topic_elastic.cpp: AlterPartitionReassignments,
// ListPartitionReassignments, ElectLeaders, UnregisterBroker.
caf::message_handler cluster_topic_elastic(cluster_topic_self self);
/// After every image change: settles elections, tells local replicas of a
/// decommissioned node to hand leadership over.
void elastic_follow_image(cluster_topic_self self);
// cluster_topic_elastic_elect.cpp: ElectLeaders.
caf::result<msg::elect_leaders_response> elect_leaders(cluster_topic_self self,
                                                       const msg::elect_leaders_request& req);
void settle_elections(cluster_topic_self self);
void election_deadline(cluster_topic_self self, uint64_t id);
void election_tick(cluster_topic_self self);
/// The preferred (first) replica is in the ISR, a voter, and its node unfenced.
bool preferred_replica_available(const metadata::image& img, const metadata::partition_state& ps);
// cluster_topic_elastic_balance.cpp: auto.leader.rebalance.enable.
void start_leader_balancing(cluster_topic_self self);
void balance_leaders(cluster_topic_self self);

// cluster_topic_configs.cpp
msg::describe_configs_response describe_configs(cluster_topic_self self,
                                                const msg::describe_configs_request& req);
caf::result<msg::alter_configs_response> alter_configs(cluster_topic_self self,
                                                       const msg::alter_configs_request& req);
caf::result<msg::incremental_alter_configs_response>
incremental_alter_configs(cluster_topic_self self,
                          const msg::incremental_alter_configs_request& req);

} // namespace caudal::actors
