#pragma once
// Types of the inter-node transport seam: the status replies of the peer
// router and the transport, and the one function that announces every type
// crossing nodes to CAF (remote messages need each type registered on both
// sides, or BASP delivers an empty message).

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>

namespace caudal::cluster {

/// Reply of a peer router to `(status_atom)`.
struct router_status {
  uint64_t delivered = 0;             // forwarded to a registered group actor
  uint64_t dropped_unknown_group = 0; // group key not registered here
  uint64_t dropped_malformed = 0;     // no group key in front (see peer_router.h)
  uint64_t groups = 0;                // groups registered right now
};

/// Link state of one peer as the production transport sees it.
struct peer_status {
  int32_t node = -1;
  std::string host;
  uint16_t port = 0;
  bool connected = false;  // a live proxy of the peer's router is held
  bool connecting = false; // a connect request is in flight (else: waiting to retry)
  uint64_t sent = 0;       // handed to the middleman for delivery
  uint64_t dropped = 0;    // dropped because the link was not connected
  uint64_t connects = 0;   // successful connects so far (reconnects count)
};

/// Reply of a transport to `(status_atom)`.
struct transport_status {
  int32_t self_node = -1;
  uint64_t local = 0;                // messages to self_node, handed to the local router
  uint64_t dropped_unknown_peer = 0; // destination has no known address
  std::vector<peer_status> peers;    // ordered by node id
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, router_status& x) {
  return f(caf::meta::type_name("caudal.router_status"), x.delivered, x.dropped_unknown_group,
           x.dropped_malformed, x.groups);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_status& x) {
  return f(caf::meta::type_name("caudal.peer_status"), x.node, x.host, x.port, x.connected,
           x.connecting, x.sent, x.dropped, x.connects);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transport_status& x) {
  return f(caf::meta::type_name("caudal.transport_status"), x.self_node, x.local,
           x.dropped_unknown_peer, x.peers);
}

/// Registers every type that crosses nodes (the consensus messages, the
/// status replies). Call on the config before the actor_system exists, on
/// every node; the names must match across nodes.
void announce_peer_types(caf::actor_system_config& cfg);

} // namespace caudal::cluster
