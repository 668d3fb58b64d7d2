#pragma once
// What every session of a node shares: identity, limits, the metadata cache
// and the actors it forwards to. Copied into each session at spawn.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/metadata_cache.h"
#include "actors/node_clock.h"

namespace caudal::actors {

struct node_context {
  int32_t node_id = 1;
  std::string cluster_id;
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  bool auto_create_topics = true;
  int32_t fetch_max_bytes = 57671680;
  std::shared_ptr<metadata_cache> metadata;
  caf::actor topic_manager;
  caf::actor producer_ids; // InitProducerId (producer_ids.h)
  // test.drop.produce.responses: node-wide countdown of Produce responses to drop
  std::shared_ptr<std::atomic<int32_t>> test_drop_produce_responses;
  caf::actor group_coordinator; // consumer groups (group_coordinator.h)
  node_clock clock;
};

} // namespace caudal::actors
