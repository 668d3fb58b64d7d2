#pragma once
// The Kafka APIs this codec knows: one entry per generated request (those
// served by a broker or a controller), with the version ranges from the JSON
// definitions. The table itself is generated (build/.../protocol/api_table.cpp).

#include <cstdint>
#include <span>

namespace caudal::protocol {

struct api_info {
  int16_t key;
  const char* name; // the API name without "Request", e.g. "Produce", "ApiVersions"
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version; // 32767 if the API has no flexible version
  bool broker;                    // "listeners" includes broker
  bool controller;                // "listeners" includes controller
};

/// Every known API, sorted by key.
std::span<const api_info> all_apis();
/// The API with this key, or nullptr if unknown.
const api_info* find_api(int16_t key);

} // namespace caudal::protocol
