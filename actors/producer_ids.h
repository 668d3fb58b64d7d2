#pragma once
// Producer ids for InitProducerId (idempotent producers). Ids come from a
// counter in the metastore, reserved in blocks: the end of a block is stored
// (and fsynced by LMDB) before any id of it is handed out, so an id is never
// given twice, even after a crash (a crash only skips the rest of a block).
//
// Actor messages:
//   (producer_id_atom)                      -> int64 new producer id, or -1
//                                              when the metastore failed

#include <cstdint>
#include <optional>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>

#include "storage/metastore.h"

namespace caudal::actors {

using producer_id_atom = caf::atom_constant<caf::atom("prodid")>;

class producer_id_allocator {
public:
  static constexpr int64_t block_size = 1000;
  static constexpr const char* key = "producer_id.block_end";

  /// In a cluster every node hands out ids from its own range (`id_base` =
  /// node id << 40), so ids are unique without asking the controller.
  explicit producer_id_allocator(storage::metastore& meta, int64_t id_base = 0)
      : meta_(meta), id_base_(id_base) {}
  /// The next unused id; an error if the metastore cannot reserve a block.
  storage::result<int64_t> next();

private:
  storage::metastore& meta_;
  int64_t id_base_ = 0;
  int64_t next_ = 0;
  int64_t end_ = 0; // next_ == end_: no ids left in memory
};

/// `meta` must outlive the actor, which exits when `lifetime` (the topic
/// manager) does, so node shutdown needs no extra step.
caf::actor spawn_producer_id_manager(caf::actor_system& sys, storage::metastore* meta,
                                     caf::actor lifetime, int64_t id_base = 0);

/// The id range of a cluster node (see producer_id_allocator).
inline int64_t producer_id_base(int32_t node_id) { return static_cast<int64_t>(node_id) << 40; }

} // namespace caudal::actors
