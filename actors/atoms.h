#pragma once
// Message tags shared by Caudal's actors. CAF 0.17 atoms hold at most 10
// characters of [0-9A-Za-z_ ].

#include <caf/atom.hpp>

namespace caudal::actors {

using frame_atom = caf::atom_constant<caf::atom("frame")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using wait_atom = caf::atom_constant<caf::atom("waitdata")>;
using offsets_atom = caf::atom_constant<caf::atom("offsets")>;
using retain_atom = caf::atom_constant<caf::atom("retain")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using config_atom = caf::atom_constant<caf::atom("config")>;
using drop_atom = caf::atom_constant<caf::atom("drop")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using grow_atom = caf::atom_constant<caf::atom("grow")>;
using describe_atom = caf::atom_constant<caf::atom("describe")>;
using alter_atom = caf::atom_constant<caf::atom("alter")>;
using ensure_atom = caf::atom_constant<caf::atom("ensure")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

// Inter-node transport seam (cluster/transport.h, cluster/peer_router.h,
// sim/network/): see those headers for the message shapes.
using peer_send_atom = caf::atom_constant<caf::atom("peersend")>;
using peer_deliver_atom = caf::atom_constant<caf::atom("peerdeliv")>;
using peer_register_atom = caf::atom_constant<caf::atom("peerreg")>;
using peer_unregister_atom = caf::atom_constant<caf::atom("peerunreg")>;
using peer_address_atom = caf::atom_constant<caf::atom("peeraddr")>;

// Replication: the timer of a replicated partition, and the leadership
// report a partition leader sends to its node's controller actor.
using raft_tick_atom = caf::atom_constant<caf::atom("rafttick")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
// Reassignment step for a replicated partition actor:
// (voters_atom, vector<int32> replicas, vector<int32> voters[, vector<int32> removing]).
using voters_atom = caf::atom_constant<caf::atom("voters")>;
// OffsetForLeaderEpoch (KIP-320): (epoch_atom, int32 current epoch, int32 epoch) -> epoch_reply
using epoch_atom = caf::atom_constant<caf::atom("epochend")>;

// Controller actor (actors/controller_actor.h): commands on the metadata
// log, and the image it publishes to subscribers.
using command_atom = caf::atom_constant<caf::atom("command")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using image_atom = caf::atom_constant<caf::atom("image")>;
/// A session re-checks whether its node serves yet; the cluster topic
/// manager asks the controller for its incarnation again.
using retry_atom = caf::atom_constant<caf::atom("retry")>;

// Elasticity admin APIs (actors/handle_elastic.cpp -> topic managers):
//   (reassign_atom, alter/list_partition_reassignments_request, int32 node)
//   (elect_atom, elect_leaders_request, int32 node)
//   (drain_atom, unregister_broker_request, int32 node)
// and, to a replicated partition inside (peer_deliver_atom, from, m):
//   m = (std::string group, elect_atom, int32 target): hand leadership over
//   m = (std::string group, drain_atom): this node is decommissioned
using reassign_atom = caf::atom_constant<caf::atom("reassign")>;
using elect_atom = caf::atom_constant<caf::atom("elect")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
// Automatic preferred-leader balancing: the cluster topic manager's timer.
using balance_atom = caf::atom_constant<caf::atom("balance")>;

} // namespace caudal::actors
