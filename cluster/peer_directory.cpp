#include "cluster/peer_directory.h"

#include <map>
#include <utility>

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/controller_messages.h"

namespace caudal::cluster {

using actors::image_atom;
using actors::image_ptr;

caf::actor spawn_peer_directory(caf::actor_system& sys, int32_t self_node, caf::actor controller,
                                caf::actor transport) {
  using known_map = std::map<int32_t, std::pair<std::string, uint16_t>>;
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(controller);
    self->set_down_handler([self](caf::down_msg&) { self->quit(); });
    self->send(controller, actors::subscribe_atom::value, caf::actor{self});
    auto known = std::make_shared<known_map>();
    return {
        [=](image_atom, const image_ptr& img, int32_t) {
          if (!img) return;
          for (auto& [id, n] : img->nodes) {
            auto addr = std::make_pair(n.registration.peer_host, n.registration.peer_port);
            if (id == self_node || (*known)[id] == addr) continue;
            (*known)[id] = addr;
            self->send(transport, actors::peer_address_atom::value, id, addr.first, addr.second);
          }
        },
    };
  });
}

} // namespace caudal::cluster
