#include "cluster/boot.h"

#include <chrono>
#include <random>

#include <spdlog/spdlog.h>

namespace caudal::cluster {

std::string make_cluster_id(uint64_t seed) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937_64 rng{seed};
  uint8_t bytes[18] = {};
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = rng();
    for (int j = 0; j < 8; ++j) bytes[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  std::string out;
  for (int i = 0; i < 18; i += 3) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int k = 3; k >= 0; --k) out.push_back(alphabet[(v >> (6 * k)) & 63]);
  }
  return out.substr(0, 22); // 16 bytes -> 22 characters
}

std::optional<boot_info> boot_node(const node_config& cfg, storage::metastore& meta,
                                   const caf::actor_clock& actor_clock) {
  using namespace std::chrono;
  boot_info b;
  // The boot seam: real time enters the node here, once.
  auto wall_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto actor_ms = duration_cast<milliseconds>(actor_clock.now().time_since_epoch()).count();
  b.clock.epoch_offset_ms = wall_ms - actor_ms;
  b.seed = static_cast<uint64_t>(wall_ms) * 1000003u + static_cast<uint64_t>(cfg.node_id);
  spdlog::info("node seed {}", b.seed);
  auto stored = meta.get_kv("cluster.id");
  if (!stored) {
    spdlog::critical("cannot read cluster id: {}", stored.error().message);
    return std::nullopt;
  }
  if (*stored && !(*stored)->empty()) {
    b.cluster_id = **stored;
    if (!cfg.cluster_id.empty() && cfg.cluster_id != b.cluster_id) {
      spdlog::critical("cluster.id {} in config differs from stored {}", cfg.cluster_id,
                       b.cluster_id);
      return std::nullopt;
    }
    return b;
  }
  b.cluster_id = cfg.cluster_id.empty() ? make_cluster_id(b.seed) : cfg.cluster_id;
  if (auto r = meta.put_kv("cluster.id", b.cluster_id); !r) {
    spdlog::critical("cannot store cluster id: {}", r.error().message);
    return std::nullopt;
  }
  return b;
}

} // namespace caudal::cluster
