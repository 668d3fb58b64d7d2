#include "cluster/transport.h"

#include <chrono>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.h"
#include "consensus/messages.h"

namespace caudal::cluster {

int64_t backoff_delay_ms(int64_t min_ms, int64_t max_ms, uint32_t failures, uint64_t draw) {
  min_ms = std::max<int64_t>(min_ms, 1);
  max_ms = std::max(max_ms, min_ms);
  int64_t b = min_ms;
  // Doubling stops at the cap, so the shift can never overflow.
  for (uint32_t i = 0; i < failures && b < max_ms; ++i) b = std::min(max_ms, b * 2);
  int64_t half = b / 2;
  return half + static_cast<int64_t>(draw % static_cast<uint64_t>(b - half + 1));
}

bool idle_poll_detector::repeat(memory& seen, const std::string& group, last_seen x,
                                uint32_t needed) {
  // Groups come and go; a bounded memory only costs some needless flushes.
  if (seen.size() > 100'000) seen.clear();
  auto it = seen.find(group);
  if (it == seen.end()) {
    seen.emplace(group, x);
    return false;
  }
  auto& prev = it->second;
  bool same = prev.epoch == x.epoch && prev.a == x.a && prev.b == x.b;
  x.repeats = same ? prev.repeats + 1 : 0;
  prev = x;
  return x.repeats >= needed;
}

bool idle_poll_detector::idle(const caf::message& m) {
  using namespace consensus;
  if (m.match_elements<fetch_request>()) {
    const auto& r = m.get_as<fetch_request>(0);
    return repeat(requests_, r.group, {r.epoch, r.fetch_offset, r.last_fetched_epoch, 0}, 2);
  }
  if (m.match_elements<fetch_response>()) {
    const auto& r = m.get_as<fetch_response>(0);
    bool empty = r.error == 0 && r.records.empty() && r.diverging.epoch < 0;
    last_seen x{r.epoch, r.high_watermark, r.log_start_offset, 0};
    // A news response still updates the memory, so the heartbeat after it
    // compares with it.
    if (!empty) x.epoch = -2; // never equal to a real epoch: the next one is news too
    return repeat(responses_, r.group, x, 1) && empty;
  }
  return false;
}

namespace {

using actors::peer_address_atom;
using actors::peer_deliver_atom;
using actors::peer_send_atom;
using actors::status_atom;
using std::chrono::milliseconds;

// The transport's note to itself that a round of sends ended.
using flush_atom = caf::atom_constant<caf::atom("peerflush")>;
// Its timer for a queue of idle polls: (linger_atom, node, flush generation).
using linger_atom = caf::atom_constant<caf::atom("peerlinger")>;

struct link {
  peer_address addr;
  caf::actor router;       // proxy of the peer's router while connected
  bool connecting = false; // a connect request is in flight
  uint64_t generation = 0; // bumps on every attempt and address change; stale replies ignored
  uint32_t failures = 0;   // consecutive failed attempts (backoff exponent)
  std::vector<caf::message> pending; // accepted this round, not yet handed to the middleman
  size_t pending_bytes = 0;
  bool news = false;         // pending holds more than idle polls: flush with the round
  bool linger_armed = false; // a linger timer for the current queue is set
  uint64_t flush_gen = 0;    // bumps on every flush; stale linger timers ignored
  idle_poll_detector polls;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t connects = 0;
  uint64_t frames = 0;
  uint64_t batches = 0;
  uint64_t bytes = 0;
  uint64_t cap_flushes = 0;
  uint64_t lingered = 0;
};

struct transport_state {
  transport_config cfg;
  std::map<int32_t, link> links;
  std::mt19937_64 rng;
  uint64_t local = 0;
  uint64_t dropped_unknown_peer = 0;
  bool flush_scheduled = false; // a flush_atom is in the mailbox
  static inline const char* name = "caudal.transport";
};

using transport_actor = caf::stateful_actor<transport_state>;

void connect(transport_actor* self, int32_t node);

// The group key under which a transport receives other nodes' hellos at its
// own router: (peer_deliver_atom, from, (return_path_group, caf::actor router)).
const std::string return_path_group = "__transport/return-path";

/// A link without an address (it came from a hello) cannot be dialled.
bool dialable(const link& l) { return l.addr.port != 0; }

void schedule_retry(transport_actor* self, int32_t node) {
  auto& st = self->state;
  auto& l = st.links[node];
  if (!dialable(l)) return; // the peer dials again and says hello
  auto delay = backoff_delay_ms(st.cfg.backoff_min_ms, st.cfg.backoff_max_ms, l.failures, st.rng());
  ++l.failures;
  self->delayed_send(self, milliseconds{delay}, caf::connect_atom::value, node, l.generation);
}

void on_failed(transport_actor* self, int32_t node, uint64_t generation) {
  auto it = self->state.links.find(node);
  if (it == self->state.links.end() || it->second.generation != generation) return;
  it->second.connecting = false;
  schedule_retry(self, node);
}

void on_connected(transport_actor* self, int32_t node, uint64_t generation,
                  caf::strong_actor_ptr ptr) {
  auto it = self->state.links.find(node);
  if (it == self->state.links.end() || it->second.generation != generation) return;
  if (!ptr) return on_failed(self, node, generation); // port open, but nothing published there
  auto& l = it->second;
  l.router = caf::actor_cast<caf::actor>(std::move(ptr));
  // The DOWN of this proxy is the only sign of a lost peer in CAF 0.17.
  self->monitor(l.router);
  l.connecting = false;
  l.failures = 0;
  ++l.connects;
  // Tell the peer how to reach us over this connection: a node that is not
  // in its configuration (a new non-voter) has no address it could dial
  // until its registration is committed, which needs these answers.
  auto& st = self->state;
  if (st.cfg.router)
    self->send(l.router, peer_deliver_atom::value, st.cfg.self_node,
               caf::make_message(return_path_group, st.cfg.router));
}

/// A peer's hello: adopt its router as the way back when this node has no
/// live link to it (an address learnt later replaces it, set_address).
void on_hello(transport_actor* self, int32_t node, const caf::message& m) {
  auto& st = self->state;
  if (node == st.cfg.self_node || !m.match_elements<std::string, caf::actor>()) return;
  auto router = m.get_as<caf::actor>(1);
  auto& l = st.links[node];
  if (l.router || !router) return;
  l.router = router;
  self->monitor(l.router);
  ++l.connects;
}

void connect(transport_actor* self, int32_t node) {
  auto& l = self->state.links[node];
  l.connecting = true;
  auto generation = ++l.generation;
  if (!self->system().has_middleman()) return on_failed(self, node, generation);
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, milliseconds{self->state.cfg.connect_timeout_ms}, caf::connect_atom::value,
                l.addr.host, l.addr.port)
      .then(
          [self, node, generation](const caf::node_id&, caf::strong_actor_ptr& ptr,
                                   const std::set<std::string>&) {
            on_connected(self, node, generation, std::move(ptr));
          },
          [self, node, generation](caf::error&) { on_failed(self, node, generation); });
}

// Retry timer: acts only if nothing newer (address change, another attempt)
// happened to the link since the timer was set.
void on_retry(transport_actor* self, int32_t node, uint64_t generation) {
  auto it = self->state.links.find(node);
  if (it == self->state.links.end()) return;
  auto& l = it->second;
  if (l.generation != generation || l.router || l.connecting) return;
  connect(self, node);
}

void on_down(transport_actor* self, const caf::down_msg& dm) {
  for (auto& [node, l] : self->state.links) {
    if (!l.router || l.router.address() != dm.source) continue;
    l.router = nullptr;
    schedule_retry(self, node);
  }
}

void set_address(transport_actor* self, int32_t node, peer_address addr) {
  auto& st = self->state;
  if (node == st.cfg.self_node) return; // self deliveries never leave the node
  auto& l = st.links[node];
  if (l.generation != 0 && l.addr.host == addr.host && l.addr.port == addr.port) return;
  if (l.router) self->demonitor(l.router);
  l.router = nullptr;
  l.addr = std::move(addr);
  l.failures = 0;
  connect(self, node);
}

// Hands a link's queue to the middleman as one message. A link that went
// down since the messages were accepted drops them (counted).
void flush_link(transport_actor* self, link& l) {
  if (l.pending.empty()) return;
  auto n = l.pending.size();
  auto from = self->state.cfg.self_node;
  if (!l.router) {
    l.dropped += n;
  } else {
    if (n == 1) {
      // A lone message needs no batch wrapper; the router sees it as before.
      self->send(l.router, peer_deliver_atom::value, from, std::move(l.pending.front()));
    } else {
      self->send(l.router, peer_batch_atom::value, from, peer_batch{std::move(l.pending)});
      ++l.batches;
    }
    l.sent += n;
    ++l.frames;
    l.bytes += l.pending_bytes;
  }
  l.pending.clear();
  l.pending_bytes = 0;
  l.news = false;
  l.linger_armed = false;
  ++l.flush_gen;
}

// End of a round: queues with news go now; queues of idle polls only wait
// for their linger timer.
void flush_all(transport_actor* self) {
  self->state.flush_scheduled = false;
  for (auto& [node, l] : self->state.links)
    if (l.news) flush_link(self, l);
}

void on_linger(transport_actor* self, int32_t node, uint64_t gen) {
  auto it = self->state.links.find(node);
  if (it == self->state.links.end() || it->second.flush_gen != gen) return;
  it->second.lingered += it->second.pending.size();
  flush_link(self, it->second);
}

// The flush message goes to the back of the mailbox, so every send already
// queued behind the current one joins this round's batches.
void schedule_flush(transport_actor* self) {
  if (self->state.flush_scheduled) return;
  self->state.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

// Idle polls may wait for company (batch_linger_ms); anything else ends the
// wait of the whole queue at the end of this round.
void mark(transport_actor* self, int32_t node, link& l, const caf::message& m) {
  const auto& cfg = self->state.cfg;
  bool idle = cfg.batch_linger_ms > 0 && l.polls.idle(m);
  if (!idle) {
    l.news = true;
    schedule_flush(self);
  } else if (!l.news && !l.linger_armed) {
    l.linger_armed = true;
    self->delayed_send(self, milliseconds{cfg.batch_linger_ms}, linger_atom::value, node,
                       l.flush_gen);
  }
}

void enqueue(transport_actor* self, int32_t node, link& l, caf::message& m) {
  const auto& cfg = self->state.cfg;
  auto bytes = estimated_wire_bytes(self->system(), m);
  if (!l.pending.empty() && l.pending_bytes + bytes > cfg.batch_max_bytes) {
    ++l.cap_flushes; // keep a batch under the byte cap; a huge message goes alone
    flush_link(self, l);
  }
  mark(self, node, l, m);
  l.pending.push_back(std::move(m));
  l.pending_bytes += bytes;
  if (l.pending.size() >= cfg.batch_max_messages || l.pending_bytes >= cfg.batch_max_bytes) {
    if (l.pending.size() > 1) ++l.cap_flushes;
    flush_link(self, l);
  }
}

void send_to(transport_actor* self, int32_t to, caf::message& m) {
  auto& st = self->state;
  if (to == st.cfg.self_node) {
    ++st.local;
    if (st.cfg.router) self->send(st.cfg.router, peer_deliver_atom::value, to, std::move(m));
    return;
  }
  auto it = st.links.find(to);
  if (it == st.links.end()) {
    ++st.dropped_unknown_peer;
    return;
  }
  auto& l = it->second;
  if (!l.router) {
    ++l.dropped;
    return;
  }
  enqueue(self, to, l, m);
}

transport_status status_of(const transport_state& st) {
  transport_status s;
  s.self_node = st.cfg.self_node;
  s.local = st.local;
  s.dropped_unknown_peer = st.dropped_unknown_peer;
  for (const auto& [node, l] : st.links) {
    s.peers.push_back(peer_status{node, l.addr.host, l.addr.port, static_cast<bool>(l.router),
                                  l.connecting, l.sent, l.dropped, l.connects, l.frames, l.batches,
                                  l.bytes, l.cap_flushes, l.lingered});
    s.messages_sent += l.sent;
    s.frames_sent += l.frames;
    s.batches_sent += l.batches;
  }
  return s;
}

caf::behavior transport(transport_actor* self, transport_config cfg) {
  auto peers = std::move(cfg.peers);
  self->state.rng.seed(cfg.seed);
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  for (auto& [node, addr] : peers) set_address(self, node, std::move(addr));
  if (self->state.cfg.router)
    self->send(self->state.cfg.router, actors::peer_register_atom::value, return_path_group,
               caf::actor{self});
  return {
      [self](peer_deliver_atom, int32_t from, caf::message& m) { on_hello(self, from, m); },
      [self](peer_send_atom, int32_t to, caf::message& m) { send_to(self, to, m); },
      [self](flush_atom) { flush_all(self); },
      [self](linger_atom, int32_t node, uint64_t gen) { on_linger(self, node, gen); },
      [self](peer_address_atom, int32_t node, std::string& host, uint16_t port) {
        set_address(self, node, peer_address{std::move(host), port});
      },
      [self](caf::connect_atom, int32_t node, uint64_t generation) {
        on_retry(self, node, generation);
      },
      [self](status_atom) { return status_of(self->state); },
  };
}

} // namespace

caf::actor spawn_transport(caf::actor_system& sys, transport_config cfg) {
  return sys.spawn(transport, std::move(cfg));
}

std::optional<uint16_t> publish_router(caf::actor_system& sys, caf::actor router,
                                       const std::string& host, uint16_t port) {
  if (!sys.has_middleman() || !router) return std::nullopt;
  const char* in = host.empty() ? nullptr : host.c_str();
  auto bound = sys.middleman().publish(std::move(router), port, in, true);
  if (!bound) return std::nullopt;
  return *bound;
}

void configure_peer_liveness(caf::actor_system_config& cfg, int64_t heartbeat_ms,
                             int64_t timeout_ms) {
  cfg.set("middleman.heartbeat-interval", caf::timespan{milliseconds{heartbeat_ms}});
  cfg.set("middleman.connection-timeout", caf::timespan{milliseconds{timeout_ms}});
}

} // namespace caudal::cluster
