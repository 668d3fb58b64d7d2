#include "cluster/peer_types.h"

#include <cstdint>
#include <vector>

#include <caf/binary_serializer.hpp>

#include "consensus/messages.h"

namespace caudal::cluster {

namespace {

// Fixed part of an element: CAF writes a type token and, for announced
// types, the type name; the scalars of a consensus struct fit in this too.
constexpr size_t element_overhead = 48;

// Size of element i when its type is one the inter-node traffic uses; 0 when
// the type is not known here.
size_t known_element_bytes(const caf::message& m, size_t i) {
  using namespace consensus;
  if (m.match_element<fetch_response>(i)) {
    const auto& r = m.get_as<fetch_response>(i);
    return element_overhead + r.group.size() + r.records.size();
  }
  if (m.match_element<fetch_request>(i))
    return element_overhead + m.get_as<fetch_request>(i).group.size();
  if (m.match_element<vote_request>(i))
    return element_overhead + m.get_as<vote_request>(i).group.size();
  if (m.match_element<vote_response>(i))
    return element_overhead + m.get_as<vote_response>(i).group.size();
  if (m.match_element<begin_epoch>(i))
    return element_overhead + m.get_as<begin_epoch>(i).group.size();
  if (m.match_element<std::string>(i)) return element_overhead + m.get_as<std::string>(i).size();
  if (m.match_element<std::vector<uint8_t>>(i))
    return element_overhead + m.get_as<std::vector<uint8_t>>(i).size();
  if (m.match_element<std::vector<char>>(i))
    return element_overhead + m.get_as<std::vector<char>>(i).size();
  if (m.match_element<int32_t>(i) || m.match_element<int64_t>(i) || m.match_element<uint64_t>(i) ||
      m.match_element<int16_t>(i) || m.match_element<bool>(i) ||
      m.match_element<caf::atom_value>(i))
    return element_overhead;
  return 0;
}

} // namespace

size_t estimated_wire_bytes(caf::actor_system& sys, const caf::message& m) {
  size_t total = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    auto n = known_element_bytes(m, i);
    if (n == 0) {
      // An unusual type (controller commands, say): measure it exactly.
      // These are rare next to the per-partition Raft traffic.
      std::vector<char> buf;
      caf::binary_serializer sink{sys, buf};
      if (m.save(i, sink)) return total + element_overhead; // unserializable: BASP drops it
      n = buf.size();
    }
    total += n;
  }
  return total;
}

void announce_peer_types(caf::actor_system_config& cfg) {
  // Consensus traffic: one struct per message (std::variant is not inspectable
  // in CAF 0.17, so senders put the alternative itself into the message).
  cfg.add_message_type<consensus::epoch_end>("caudal.epoch_end");
  cfg.add_message_type<consensus::vote_request>("caudal.vote_request");
  cfg.add_message_type<consensus::vote_response>("caudal.vote_response");
  cfg.add_message_type<consensus::begin_epoch>("caudal.begin_epoch");
  cfg.add_message_type<consensus::fetch_request>("caudal.fetch_request");
  cfg.add_message_type<consensus::fetch_response>("caudal.fetch_response");
  // Batches of the transport: a vector of messages is not one of CAF's
  // built-in types; each element is (de)serialized with its own type names.
  cfg.add_message_type<peer_batch>("caudal.peer_batch");
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
