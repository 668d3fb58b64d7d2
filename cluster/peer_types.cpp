#include "cluster/peer_types.h"

#include <cstdint>
#include <vector>

#include "consensus/messages.h"

namespace caudal::cluster {

void announce_peer_types(caf::actor_system_config& cfg) {
  // Consensus traffic: one struct per message (std::variant is not inspectable
  // in CAF 0.17, so senders put the alternative itself into the message).
  cfg.add_message_type<consensus::epoch_end>("caudal.epoch_end");
  cfg.add_message_type<consensus::vote_request>("caudal.vote_request");
  cfg.add_message_type<consensus::vote_response>("caudal.vote_response");
  cfg.add_message_type<consensus::begin_epoch>("caudal.begin_epoch");
  cfg.add_message_type<consensus::fetch_request>("caudal.fetch_request");
  cfg.add_message_type<consensus::fetch_response>("caudal.fetch_response");
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
