#pragma once
// A client session: one actor per Kafka connection, sans-I/O. It receives
// request frames as (frame_atom, byte_buffer) — the payload after the 4-byte
// size — decodes them, runs them overlapped (forwarding to partition actors
// and the topic manager) and hands responses to its connection_sink strictly
// in request order, as Kafka clients require.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/connection_sink.h"
#include "actors/node_context.h"

namespace caudal::actors {

caf::actor spawn_session(caf::actor_system& sys, node_context ctx, connection_sink sink);

} // namespace caudal::actors
