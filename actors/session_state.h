#pragma once
// Internal state and helpers of the session actor, shared by the API handler
// translation units (handle_*.cpp).

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include <caf/stateful_actor.hpp>

#include "actors/connection_sink.h"
#include "actors/fetch_sessions.h"
#include "actors/node_context.h"
#include "protocol/headers.h"

namespace caudal::actors {

struct pending_response {
  bool ready = false;
  std::optional<protocol::byte_buffer> frame;
  size_t request_bytes = 0;
};

struct session_state {
  node_context ctx;
  connection_sink sink;
  uint64_t next_seq = 0;
  std::map<uint64_t, pending_response> pending; // by request sequence number
  fetch_session_cache fetch_sessions;
  bool closed = false;
  // Frames that arrived before this node served clients (a restarted
  // cluster node catching up with the metadata log), in arrival order.
  std::deque<protocol::byte_buffer> held;
  static inline const char* name = "session";
};

using session_self = caf::stateful_actor<session_state>*;

/// One decoded request being served.
struct request_context {
  protocol::request_header header;
  uint64_t seq = 0;
  int16_t version() const { return header.api_version; }
};

/// Records the response of request `seq` (nullopt: none is sent) and passes
/// every response that is now at the head of the line to the connection.
void complete(session_self self, uint64_t seq, std::optional<protocol::byte_buffer> frame);

/// Encodes header + body into a whole frame (size prefix included).
template <class Response>
protocol::byte_buffer encode_response(const protocol::request_header& h, const Response& r) {
  protocol::byte_buffer out;
  out.reserve(256);
  protocol::writer w{out};
  auto at = w.reserve(4);
  protocol::response_header rh;
  rh.correlation_id = h.correlation_id;
  protocol::encode_response_header(w, rh,
                                   protocol::response_header_version(h.api_key, h.api_version));
  r.encode(w, h.api_version);
  w.patch_i32(at, static_cast<int32_t>(out.size() - 4));
  return out;
}

template <class Response>
void reply(session_self self, const request_context& rc, const Response& r) {
  complete(self, rc.seq, encode_response(rc.header, r));
}

/// Counts down outstanding sub-requests and runs `done` after the last one.
struct join_counter {
  size_t remaining = 0;
  std::function<void()> done;
  void arrive() {
    if (--remaining != 0 || !done) return;
    auto run = std::move(done); // drops the callback's captures (no cycle via shared owners)
    done = nullptr;
    run();
  }
};

} // namespace caudal::actors
