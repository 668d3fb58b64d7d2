#pragma once
// The simulator's implementation of the inter-node transport seam (see
// cluster/transport.h for the production one): N in-process nodes in ONE
// actor system on CAF's test coordinator, with a seeded, fault-injecting
// network between them. Why a plain object plus one thin actor per node, and
// not a single network actor: see README.md.
//
// Per node:
//   transport_for(n) accepts (peer_send_atom, int32_t to_node, caf::message m)
//   and delivers at to_node's router (set_router) as
//   (peer_deliver_atom, int32_t from_node, caf::message m) after a latency
//   drawn uniformly from the link's [min, max] ms; messages may be lost,
//   duplicated, reordered (by latency), held back (clog), or cut (partition,
//   node down). Delays run through delayed_send, i.e. the virtual clock.
//
// Every random draw comes from one generator seeded at construction, in the
// order the transport actors handle messages, so the same seed and the same
// schedule give the same deliveries. Not thread-safe: all calls (and the
// transport actors) run on the driving thread of the test coordinator.

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace caudal::sim {

/// Behaviour of one direction of a link.
struct link_config {
  int64_t latency_min_ms = 1;
  int64_t latency_max_ms = 1;
  double loss = 0.0;      // probability that a message is dropped
  double duplicate = 0.0; // probability that a message is delivered twice
};

/// Counters over every message given to any transport of the network.
struct network_stats {
  uint64_t sent = 0;              // accepted by a transport (self sends included)
  uint64_t delivered = 0;         // handed to a router (copies count)
  uint64_t duplicated = 0;        // extra copies created
  uint64_t dropped_loss = 0;      // lost by the link's loss probability
  uint64_t dropped_cut = 0;       // link cut (partition) at send or arrival
  uint64_t dropped_down = 0;      // source or destination down (or restarted meanwhile)
  uint64_t dropped_no_router = 0; // destination has no router registered
  uint64_t held = 0;              // held back by a clogged link
};

class sim_network {
public:
  /// One line per decision: "<from>-><to> #<id>.<copy> <what>".
  using trace_fn = std::function<void(int64_t now_ms, const std::string& line)>;

  sim_network(caf::actor_system& sys, uint64_t seed);
  ~sim_network(); // ends the transport actors
  sim_network(const sim_network&) = delete;
  sim_network& operator=(const sim_network&) = delete;

  /// The node's transport; spawned on first use, the same handle afterwards
  /// (it survives set_node_up(n, false/true), like a node's address does).
  caf::actor transport_for(int32_t node);
  /// The node's peer router (again after every restart of the node).
  void set_router(int32_t node, caf::actor router);

  /// Settings for links without their own (both directions of every pair).
  void set_default_link(const link_config& cfg);
  /// Settings of the one direction from -> to.
  void set_link(int32_t from, int32_t to, const link_config& cfg);

  /// Holds every message on from -> to (sent or in flight) until virtual
  /// time `until_ms` (absolute, as now_ms()); they then arrive in order.
  void clog(int32_t from, int32_t to, int64_t until_ms);
  /// Cuts the one direction from -> to: messages are dropped.
  void cut(int32_t from, int32_t to);
  /// Cuts every link from a node in `a` to a node in `b`, and the reverse
  /// direction too unless `one_way`.
  void partition(const std::set<int32_t>& a, const std::set<int32_t>& b, bool one_way = false);
  /// Removes every cut (clogs expire by themselves).
  void heal();

  /// A down node neither sends nor receives; messages in flight to it are
  /// dropped, also when it is up again at their arrival (new incarnation).
  void set_node_up(int32_t node, bool up);
  bool node_up(int32_t node) const;

  void set_trace(trace_fn fn);
  network_stats stats() const;
  /// Virtual time of the actor system's clock, in ms.
  int64_t now_ms() const;

  struct core; // shared with the transport actors

private:
  caf::actor_system& sys_;
  std::shared_ptr<core> core_;
};

} // namespace caudal::sim
