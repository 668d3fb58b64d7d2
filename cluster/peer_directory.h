#pragma once
// Keeps the transport's address book in step with the cluster: every node
// registered in the controller's metadata image (its inter-node listener) is
// handed to the transport, so a node added later (not a controller voter) is
// reachable by the replicas it shares partitions with, and reaches them.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace caudal::cluster {

/// Subscribes to `controller`'s images and sends (peer_address_atom, node,
/// host, port) to `transport` for every new or changed registration except
/// `self_node`'s. Exits when the controller does.
caf::actor spawn_peer_directory(caf::actor_system& sys, int32_t self_node, caf::actor controller,
                                caf::actor transport);

} // namespace caudal::cluster
