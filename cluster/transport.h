#pragma once
// The production inter-node transport: one actor per node that carries
// best-effort messages to the peer routers of other nodes over CAF's
// middleman (BASP over TCP).
//
// Messages it accepts:
//   (peer_send_atom, int32_t to_node, caf::message m)
//       delivered at to_node's router as (peer_deliver_atom, self_node, m).
//       A peer that is not connected right now: dropped and counted (the
//       sender's protocol retries; there is no queue to grow unbounded).
//       to_node == self_node: handed to the local router at once.
//       Messages to another node are coalesced: those accepted while the
//       actor works through its mailbox wait in a per-peer queue; the first
//       of a round makes the actor send itself a flush message, which lands
//       behind everything already queued, and the flush sends ONE middleman
//       message per peer: (peer_batch_atom, self_node, peer_batch) at the
//       router, or a plain (peer_deliver_atom, ...) when only one message
//       waited. A batch closes early at batch_max_messages or
//       batch_max_bytes (estimated_wire_bytes). Order per destination is
//       kept (everything to a peer goes through its one queue, and the
//       router unpacks in order); a link lost before the flush drops the
//       queue, counted like any other drop.
//       Idle Raft polls (see idle_poll_detector) are spread over time by the
//       per-partition timers, so rounds alone would rarely group them: a
//       queue holding ONLY idle polls waits up to batch_linger_ms for more
//       (anything else to that peer flushes it with the round).
//   (peer_address_atom, int32_t node, std::string host, uint16_t port)
//       adds a peer or moves it to a new address (reconnects at once).
//   (status_atom) -> transport_status
//
// Each peer's published router is resolved asynchronously through the
// middleman actor and monitored; when it goes down (peer crash, link loss)
// the transport reconnects with jittered exponential backoff. All timing
// runs on the actor clock (delayed_send, request timeouts).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "cluster/peer_types.h"

namespace caudal::cluster {

struct peer_address {
  std::string host;
  uint16_t port = 0;
};

struct transport_config {
  int32_t self_node = -1;
  caf::actor router;                        // this node's peer router (self deliveries)
  std::map<int32_t, peer_address> peers;    // initial peers; self_node is ignored
  int64_t backoff_min_ms = 100;             // first retry after a failure or a DOWN
  int64_t backoff_max_ms = 5000;            // cap of the doubling backoff
  int64_t connect_timeout_ms = 2000;        // one connect attempt (TCP + BASP handshake)
  uint64_t seed = 0;                        // jitter generator seed
  size_t batch_max_messages = 1024;         // 1 = no batching
  size_t batch_max_bytes = size_t{1} << 20; // records ride in fetch responses
  int64_t batch_linger_ms = 20;             // longest wait of an idle poll; 0 = never wait
};

/// Tells idle Raft polls from messages that carry news, per destination
/// node. Idle: a fetch_response without error, records or divergence whose
/// (epoch, high watermark, log start) equals the previous response of its
/// group (a parked fetch that timed out: a heartbeat), or a fetch_request
/// equal in (epoch, fetch_offset, last_fetched_epoch) to the previous TWO of
/// its group. The first repeat of a request still counts as news: it follows
/// the leader's high-watermark update after an acknowledged append, and the
/// next append of a steady producer is answered through it, so it must not
/// wait. Everything else (votes, begin_epoch, data, errors) is news.
class idle_poll_detector {
public:
  bool idle(const caf::message& m);

private:
  struct last_seen {
    int32_t epoch = -1;
    int64_t a = -1, b = -1;
    uint32_t repeats = 0;
  };
  using memory = std::map<std::string, last_seen, std::less<>>;
  // Remembers x for the group; true if it repeats the previous one at least
  // `needed` times in a row.
  static bool repeat(memory& seen, const std::string& group, last_seen x, uint32_t needed);
  memory requests_, responses_;
};

/// Spawns the transport; it starts connecting to every initial peer at once.
/// Needs the system's middleman (`cfg.load<caf::io::middleman>()`); without
/// it every connect attempt fails and sends are dropped and counted.
caf::actor spawn_transport(caf::actor_system& sys, transport_config cfg);

/// Publishes a node's router on host:port (port 0 = an ephemeral port) so
/// that other nodes' transports can reach it. Returns the bound port, or
/// nullopt when the system has no middleman or the port cannot be opened.
/// The address is reusable at once (SO_REUSEADDR), so a restarted node can
/// bind its old port again.
std::optional<uint16_t> publish_router(caf::actor_system& sys, caf::actor router,
                                       const std::string& host, uint16_t port);

/// Makes the middleman notice a peer that stalls without closing its socket
/// (SIGSTOP, a hung host): BASP heartbeats every `heartbeat_ms`, and a
/// connection silent for `timeout_ms` is closed, which DOWNs the peer's
/// router proxy (so the transport drops instead of queueing into a dead
/// socket, and reconnects later). CAF's defaults never time out. Call on the
/// config before the actor_system exists, on every node.
void configure_peer_liveness(caf::actor_system_config& cfg, int64_t heartbeat_ms,
                             int64_t timeout_ms);

/// Jittered exponential backoff: the delay before retry number `failures`
/// (0-based) lies in [b/2, b] with b = min(max_ms, min_ms * 2^failures).
/// Exposed for tests; `draw` is one output of the seeded generator.
int64_t backoff_delay_ms(int64_t min_ms, int64_t max_ms, uint32_t failures, uint64_t draw);

} // namespace caudal::cluster
