#pragma once
// Replica placement, Kafka-like and rack-aware: where the replicas of new
// partitions go, and which replicas to move when the node set changes
// (a node added, a node drained). Pure functions; randomness only from the
// seeded generator the caller passes in.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "metadata/image.h"

namespace caudal::metadata {

using rng = std::mt19937_64;

struct node_slot {
  node_id id = 0;
  std::optional<std::string> rack; // nodes without a rack share the rack ""
};

/// More partitions than this in one placement is refused (INVALID_PARTITIONS):
/// a request must not be able to make the controller allocate without bound.
inline constexpr int32_t max_placed_partitions = 100000;

struct placement {
  int16_t error = 0; // errc::*
  std::string message;
  std::vector<std::vector<node_id>> replicas; // one list per partition, leader first
};

/// The live nodes of an image (unfenced, not decommissioned) with their racks.
std::vector<node_slot> live_slots(const image& img);

/// Replica lists for `partitions` new partitions of `replication_factor`
/// replicas on `nodes`. Nodes are interleaved rack by rack, leaders walk that
/// list from a random start (so leaders are balanced), and followers are
/// taken after the leader with a random, per-round shifting gap, preferring
/// racks the partition does not use yet. Errors: partitions < 1 or more than
/// max_placed_partitions (INVALID_PARTITIONS), replication_factor < 1 or > nodes
/// (INVALID_REPLICATION_FACTOR).
placement place_replicas(std::vector<node_slot> nodes, int32_t partitions,
                         int32_t replication_factor, rng& gen);

/// One partition whose replica set changes.
struct replica_move {
  partition_ref partition;
  std::vector<node_id> from; // the current target replicas
  std::vector<node_id> to;   // same size: replaced in place, order kept
  bool operator==(const replica_move&) const = default;
};

struct rebalance_plan {
  int16_t error = 0;
  std::string message;
  std::vector<replica_move> moves; // (topic name, partition) order
  /// Replicas that change node, summed over all moves.
  int32_t moved_replicas() const;
};

/// Moves replicas so that every partition lives on `targets` only and the
/// replica counts of the targets differ by at most one, moving as few
/// replicas as it can: first every replica off a non-target node, then one
/// replica at a time from the fullest to the emptiest node, never lowering a
/// partition's rack spread. Works on the replica sets partitions will have
/// (pending reassignments count as done). INVALID_REPLICATION_FACTOR when a
/// partition has more replicas than there are targets. Live targets are
/// preferred as receivers. `balance` false only evacuates non-targets.
rebalance_plan rebalance(const image& img, const std::vector<node_id>& targets,
                         bool balance = true);

} // namespace caudal::metadata
