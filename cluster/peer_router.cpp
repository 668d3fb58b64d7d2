#include "cluster/peer_router.h"

#include <map>
#include <string>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.h"
#include "consensus/messages.h"

namespace caudal::cluster {

namespace {

using actors::peer_deliver_atom;
using actors::peer_register_atom;
using actors::peer_unregister_atom;
using actors::status_atom;

struct router_state {
  std::map<std::string, caf::actor> groups;
  router_status counters;
  static inline const char* name = "caudal.peer_router";
};

using router_actor = caf::stateful_actor<router_state>;

// The group key of a consensus message struct in front, if it is one.
template <class... Ts>
const std::string* struct_group(const caf::message& m) {
  const std::string* key = nullptr;
  ((key == nullptr && m.match_element<Ts>(0) ? (key = &m.get_as<Ts>(0).group) : key), ...);
  return key;
}

// A leading std::string is the group key; the consensus structs carry theirs
// inside, so they route without the sender repeating it.
const std::string* group_key(const caf::message& m) {
  if (m.empty()) return nullptr;
  if (m.match_element<std::string>(0)) return &m.get_as<std::string>(0);
  using namespace consensus;
  return struct_group<vote_request, vote_response, begin_epoch, fetch_request, fetch_response>(m);
}

void forward(router_actor* self, int32_t from, caf::message& m) {
  auto& st = self->state;
  const std::string* key = group_key(m);
  if (key == nullptr) {
    ++st.counters.dropped_malformed;
    return;
  }
  auto it = st.groups.find(*key);
  if (it == st.groups.end()) {
    ++st.counters.dropped_unknown_group;
    return;
  }
  ++st.counters.delivered;
  self->send(it->second, peer_deliver_atom::value, from, std::move(m));
}

// A group actor that dies unregistered must not swallow later messages
// silently: forgetting it turns them into counted unknown-group drops.
void forget_dead(router_actor* self, const caf::down_msg& dm) {
  auto& groups = self->state.groups;
  for (auto it = groups.begin(); it != groups.end();) {
    if (it->second.address() == dm.source)
      it = groups.erase(it);
    else
      ++it;
  }
}

caf::behavior router(router_actor* self) {
  self->set_down_handler([self](caf::down_msg& dm) { forget_dead(self, dm); });
  return {
      [self](peer_register_atom, std::string& group, caf::actor& a) {
        if (!a) return;
        self->monitor(a);
        self->state.groups[std::move(group)] = std::move(a);
      },
      [self](peer_unregister_atom, const std::string& group) { self->state.groups.erase(group); },
      [self](peer_deliver_atom, int32_t from, caf::message& m) {
        ++self->state.counters.frames;
        forward(self, from, m);
      },
      [self](peer_batch_atom, int32_t from, peer_batch& ms) {
        // Exactly as if each element had come on its own, in order.
        ++self->state.counters.frames;
        ++self->state.counters.batches;
        for (auto& m : ms) forward(self, from, m);
      },
      [self](status_atom) {
        auto s = self->state.counters;
        s.groups = self->state.groups.size();
        return s;
      },
  };
}

} // namespace

caf::actor spawn_peer_router(caf::actor_system& sys) { return sys.spawn(router); }

} // namespace caudal::cluster
