#include "sim/network/sim_network.h"

#include <chrono>
#include <map>
#include <random>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.h"

namespace caudal::sim {

namespace {

using actors::peer_deliver_atom;
using actors::peer_send_atom;
using link_key = std::pair<int32_t, int32_t>; // (from, to)

constexpr int64_t ns_per_ms = 1000000;

struct node_entry {
  caf::actor transport;
  caf::actor router;
  bool up = true;
  uint64_t incarnation = 0; // bumps on every up/down change; in-flight messages remember it
};

// One copy of one message on the wire, as the arrival handler needs it.
struct wire {
  int32_t from;
  int32_t to;
  uint64_t id;
  uint32_t copy;
  uint64_t incarnation;
};

int64_t now_of(caf::actor_clock& clock) {
  return clock.now().time_since_epoch().count() / ns_per_ms;
}

} // namespace

struct sim_network::core {
  explicit core(uint64_t seed) : rng(seed) {}

  std::mt19937_64 rng;
  link_config default_link;
  std::map<link_key, link_config> links;
  std::map<link_key, int64_t> clogs; // held until this virtual ms
  std::set<link_key> cuts;
  std::map<int32_t, node_entry> nodes;
  network_stats stats;
  trace_fn trace;
  uint64_t next_id = 0;

  const link_config& link(int32_t from, int32_t to) const {
    auto it = links.find({from, to});
    return it == links.end() ? default_link : it->second;
  }
  int64_t clogged_until(int32_t from, int32_t to) const {
    auto it = clogs.find({from, to});
    return it == clogs.end() ? 0 : it->second;
  }
  bool cut(int32_t from, int32_t to) const { return cuts.count({from, to}) != 0; }
  bool up(int32_t node) const {
    auto it = nodes.find(node);
    return it == nodes.end() || it->second.up;
  }
  uint64_t incarnation(int32_t node) const {
    auto it = nodes.find(node);
    return it == nodes.end() ? 0 : it->second.incarnation;
  }
  // Modulo and a 53-bit fraction keep draws independent of the standard
  // library's distribution implementations (replays across toolchains).
  int64_t uniform(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return static_cast<double>(rng() >> 11) * 0x1.0p-53 < p; }

  void note(int64_t now, const wire& w, const std::string& what) const {
    if (!trace) return;
    trace(now, std::to_string(w.from) + "->" + std::to_string(w.to) + " #" + std::to_string(w.id) +
                   "." + std::to_string(w.copy) + " " + what);
  }
};

namespace {

using net_core = sim_network::core;

void hand_to_router(caf::event_based_actor* self, net_core& c, const wire& w, caf::message& m) {
  int64_t now = now_of(self->clock());
  auto it = c.nodes.find(w.to);
  if (it == c.nodes.end() || !it->second.router) {
    ++c.stats.dropped_no_router;
    c.note(now, w, "drop no-router");
    return;
  }
  ++c.stats.delivered;
  c.note(now, w, "deliver");
  self->send(it->second.router, peer_deliver_atom::value, w.from, std::move(m));
}

// Puts one copy on the wire: it arrives back at this transport after the
// link latency (or when the link's clog ends, if later).
void launch(caf::event_based_actor* self, net_core& c, const wire& w, const caf::message& m) {
  int64_t now = now_of(self->clock());
  const auto& cfg = c.link(w.from, w.to);
  int64_t at = now + c.uniform(cfg.latency_min_ms, cfg.latency_max_ms);
  int64_t clog = c.clogged_until(w.from, w.to);
  if (clog > at) {
    ++c.stats.held;
    c.note(now, w, "hold until=" + std::to_string(clog));
    at = clog;
  }
  c.note(now, w, "send delay=" + std::to_string(at - now) + "ms");
  self->delayed_send(self, std::chrono::milliseconds{at - now}, peer_deliver_atom::value, w.from,
                     w.to, w.id, w.copy, w.incarnation, m);
}

void on_send(caf::event_based_actor* self, net_core& c, int32_t from, int32_t to, caf::message& m) {
  int64_t now = now_of(self->clock());
  ++c.stats.sent;
  wire w{from, to, c.next_id++, 0, c.incarnation(to)};
  if (!c.up(from) || !c.up(to)) {
    ++c.stats.dropped_down;
    return c.note(now, w, "drop down");
  }
  // As in production, a node's messages to itself never touch the network.
  if (from == to) return hand_to_router(self, c, w, m);
  if (c.cut(from, to)) {
    ++c.stats.dropped_cut;
    return c.note(now, w, "drop cut");
  }
  if (c.chance(c.link(from, to).loss)) {
    ++c.stats.dropped_loss;
    return c.note(now, w, "drop loss");
  }
  bool dup = c.chance(c.link(from, to).duplicate);
  launch(self, c, w, m);
  if (!dup) return;
  ++c.stats.duplicated;
  launch(self, c, wire{from, to, w.id, 1, w.incarnation}, m);
}

// Arrival of one copy: the network state *now* decides (a partition or a
// crash that began while the message was in flight still cuts it).
void on_arrive(caf::event_based_actor* self, net_core& c, const wire& w, caf::message& m) {
  int64_t now = now_of(self->clock());
  int64_t clog = c.clogged_until(w.from, w.to);
  if (clog > now) {
    ++c.stats.held;
    c.note(now, w, "hold until=" + std::to_string(clog));
    self->delayed_send(self, std::chrono::milliseconds{clog - now}, peer_deliver_atom::value,
                       w.from, w.to, w.id, w.copy, w.incarnation, std::move(m));
    return;
  }
  if (c.cut(w.from, w.to)) {
    ++c.stats.dropped_cut;
    return c.note(now, w, "drop cut");
  }
  if (!c.up(w.to) || c.incarnation(w.to) != w.incarnation) {
    ++c.stats.dropped_down;
    return c.note(now, w, "drop down");
  }
  hand_to_router(self, c, w, m);
}

caf::behavior net_transport(caf::event_based_actor* self, std::shared_ptr<net_core> c,
                            int32_t node) {
  return {
      [self, c, node](peer_send_atom, int32_t to, caf::message& m) {
        on_send(self, *c, node, to, m);
      },
      [self, c](peer_deliver_atom, int32_t from, int32_t to, uint64_t id, uint32_t copy,
                uint64_t incarnation, caf::message& m) {
        on_arrive(self, *c, wire{from, to, id, copy, incarnation}, m);
      },
  };
}

} // namespace

sim_network::sim_network(caf::actor_system& sys, uint64_t seed)
    : sys_(sys), core_(std::make_shared<core>(seed)) {}

sim_network::~sim_network() {
  for (auto& [node, n] : core_->nodes)
    if (n.transport) caf::anon_send_exit(n.transport, caf::exit_reason::user_shutdown);
}

caf::actor sim_network::transport_for(int32_t node) {
  auto& n = core_->nodes[node];
  if (!n.transport) n.transport = sys_.spawn(net_transport, core_, node);
  return n.transport;
}

void sim_network::set_router(int32_t node, caf::actor router) {
  core_->nodes[node].router = std::move(router);
}

void sim_network::set_default_link(const link_config& cfg) { core_->default_link = cfg; }

void sim_network::set_link(int32_t from, int32_t to, const link_config& cfg) {
  core_->links[{from, to}] = cfg;
}

void sim_network::clog(int32_t from, int32_t to, int64_t until_ms) {
  core_->clogs[{from, to}] = until_ms;
}

void sim_network::cut(int32_t from, int32_t to) { core_->cuts.insert({from, to}); }

void sim_network::partition(const std::set<int32_t>& a, const std::set<int32_t>& b, bool one_way) {
  for (auto x : a) {
    for (auto y : b) {
      if (x == y) continue;
      cut(x, y);
      if (!one_way) cut(y, x);
    }
  }
}

void sim_network::heal() { core_->cuts.clear(); }

void sim_network::set_node_up(int32_t node, bool up) {
  auto& n = core_->nodes[node];
  if (n.up == up) return;
  n.up = up;
  ++n.incarnation;
}

bool sim_network::node_up(int32_t node) const { return core_->up(node); }

void sim_network::set_trace(trace_fn fn) { core_->trace = std::move(fn); }

network_stats sim_network::stats() const { return core_->stats; }

int64_t sim_network::now_ms() const { return now_of(sys_.clock()); }

} // namespace caudal::sim
