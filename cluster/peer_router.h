#pragma once
// The peer router: one per node, the destination of everything the transport
// delivers from other nodes. Raft groups (data partitions, the controller)
// register their actor under their group key; a delivered message whose
// first element is a std::string group key, or a consensus message struct
// (consensus/messages.h; its `group` member is the key), goes to that actor.
//
// Messages it accepts:
//   (peer_register_atom, std::string group, caf::actor a)
//       a replaces any earlier actor of the group; the router monitors a and
//       forgets the group when a terminates.
//   (peer_unregister_atom, std::string group)
//   (peer_deliver_atom, int32_t from_node, caf::message m)
//       forwarded as (peer_deliver_atom, from_node, m) to the group's actor;
//       unknown group, or no leading std::string / consensus struct:
//       dropped and counted.
//   (peer_batch_atom, int32_t from_node, peer_batch ms)
//       what the transport sends when it coalesced several messages to this
//       node: each element is handled as (peer_deliver_atom, from_node, m),
//       in order.
//   (status_atom) -> router_status

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "cluster/peer_types.h"

namespace caudal::cluster {

caf::actor spawn_peer_router(caf::actor_system& sys);

} // namespace caudal::cluster
