#pragma once
// Node boot: the inputs that the rest of the node treats as given — the
// cluster id (stored on first start), the seed of the node's generator and
// the wall-clock offset of the actor clock. This is the one place that reads
// the real clock; the simulator supplies its own boot_info instead.

#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor_clock.hpp>

#include "actors/node_clock.h"
#include "cluster/node_config.h"
#include "storage/metastore.h"

namespace caudal::cluster {

struct boot_info {
  std::string cluster_id;
  uint64_t seed = 0;
  actors::node_clock clock;
};

std::optional<boot_info> boot_node(const node_config& cfg, storage::metastore& meta,
                                   const caf::actor_clock& actor_clock);

/// Kafka's cluster id format: 16 bytes as URL-safe base64 without padding.
std::string make_cluster_id(uint64_t seed);

} // namespace caudal::cluster
