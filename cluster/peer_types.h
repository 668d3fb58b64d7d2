#pragma once
// Types of the inter-node transport seam: the status replies of the peer
// router and the transport, and the one function that announces every type
// crossing nodes to CAF (remote messages need each type registered on both
// sides, or BASP delivers an empty message).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>

namespace caudal::cluster {

/// Several messages from one node to another in ONE middleman message:
/// `(peer_batch_atom, int32_t from_node, peer_batch ms)`, sent by the
/// transport to a peer's router, which handles each element as if it had come
/// as `(peer_deliver_atom, from_node, m)`, in order. Defined here rather than
/// in actors/atoms.h because only the transport and the router speak it.
using peer_batch_atom = caf::atom_constant<caf::atom("peerbatch")>;
using peer_batch = std::vector<caf::message>;

/// Rough serialized size of a message, for the transport's batch byte cap.
/// The consensus structs, strings and byte vectors are sized from their
/// fields (cheap); anything else is serialized once to measure it.
size_t estimated_wire_bytes(caf::actor_system& sys, const caf::message& m);

/// Reply of a peer router to `(status_atom)`.
struct router_status {
  uint64_t delivered = 0;             // forwarded to a registered group actor
  uint64_t dropped_unknown_group = 0; // group key not registered here
  uint64_t dropped_malformed = 0;     // no group key in front (see peer_router.h)
  uint64_t groups = 0;                // groups registered right now
  uint64_t frames = 0;                // transport messages received (a batch is one)
  uint64_t batches = 0;               // of which peer_batch messages
};

/// Link state of one peer as the production transport sees it.
struct peer_status {
  int32_t node = -1;
  std::string host;
  uint16_t port = 0;
  bool connected = false;   // a live proxy of the peer's router is held
  bool connecting = false;  // a connect request is in flight (else: waiting to retry)
  uint64_t sent = 0;        // messages handed to the middleman for delivery
  uint64_t dropped = 0;     // dropped because the link was not connected
  uint64_t connects = 0;    // successful connects so far (reconnects count)
  uint64_t frames = 0;      // middleman messages carrying them (a batch is one)
  uint64_t batches = 0;     // of which peer_batch messages (2+ messages each)
  uint64_t bytes = 0;       // estimated_wire_bytes() of the messages sent
  uint64_t cap_flushes = 0; // queues handed over early: a count or byte cap was hit
  uint64_t lingered = 0;    // idle polls handed over by the linger timer
};

/// Reply of a transport to `(status_atom)`.
struct transport_status {
  int32_t self_node = -1;
  uint64_t local = 0;                // messages to self_node, handed to the local router
  uint64_t dropped_unknown_peer = 0; // destination has no known address
  std::vector<peer_status> peers;    // ordered by node id
  uint64_t messages_sent = 0;        // sums of the peers' sent, frames, batches
  uint64_t frames_sent = 0;
  uint64_t batches_sent = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, router_status& x) {
  return f(caf::meta::type_name("caudal.router_status"), x.delivered, x.dropped_unknown_group,
           x.dropped_malformed, x.groups, x.frames, x.batches);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_status& x) {
  return f(caf::meta::type_name("caudal.peer_status"), x.node, x.host, x.port, x.connected,
           x.connecting, x.sent, x.dropped, x.connects, x.frames, x.batches, x.bytes, x.cap_flushes,
           x.lingered);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transport_status& x) {
  return f(caf::meta::type_name("caudal.transport_status"), x.self_node, x.local,
           x.dropped_unknown_peer, x.peers, x.messages_sent, x.frames_sent, x.batches_sent);
}

/// Registers every type that crosses nodes (the consensus messages, the
/// batch, the status replies). Call on the config before the actor_system exists, on
/// every node; the names must match across nodes.
void announce_peer_types(caf::actor_system_config& cfg);

} // namespace caudal::cluster
