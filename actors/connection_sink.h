#pragma once
// What a session actor needs from the transport: a way to hand back response
// frames in order, and to close the connection. The TCP listener implements it
// over Asio; tests and the simulator implement it in memory.

#include <cstddef>
#include <functional>
#include <optional>

#include "protocol/bytes.h"

namespace caudal::actors {

struct connection_sink {
  /// Called once per request, in request order. `frame` is the whole response
  /// (size prefix included), or nullopt for requests without a response
  /// (acks=0 produce). `request_bytes` is the request's size, so that the
  /// transport can release the back-pressure budget it charged on arrival.
  std::function<void(std::optional<protocol::byte_buffer> frame, size_t request_bytes)> respond;
  /// Closes the connection (after bad input); pending responses are dropped.
  std::function<void()> close;
};

} // namespace caudal::actors
