#include "cluster/peer_types.h"

#include <cstdint>
#include <vector>

namespace caudal::cluster {

void announce_peer_types(caf::actor_system_config& cfg) {
  // Status replies: announced so that an operator tool may ask a remote node.
  cfg.add_message_type<router_status>("caudal.router_status");
  cfg.add_message_type<peer_status>("caudal.peer_status");
  cfg.add_message_type<std::vector<peer_status>>("caudal.peer_status_list");
  cfg.add_message_type<transport_status>("caudal.transport_status");
  // Raw bytes as a top-level message element (record batches); CAF 0.17 only
  // has std::vector<char> built in.
  cfg.add_message_type<std::vector<uint8_t>>("caudal.bytes");
}

} // namespace caudal::cluster
