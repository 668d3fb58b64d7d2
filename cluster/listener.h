#pragma once
// The Kafka TCP listener: Boost.Asio io_context threads that only move bytes.
// Each connection reads size-prefixed frames and hands them to its own CAF
// session actor; responses come back through a connection_sink and are written
// in the order the session emits them. Reading pauses while the bytes of
// unanswered requests exceed the budget (back-pressure instead of memory).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/connection_sink.h"
#include "cluster/node_config.h"

namespace caudal::cluster {

struct listener_options {
  endpoint bind;
  int threads = 2;
  int32_t max_frame_bytes = 104857600;
  int64_t max_inflight_bytes_per_connection = 67108864;
};

class kafka_listener {
public:
  /// Creates the session actor of a new connection.
  using session_factory = std::function<caf::actor(actors::connection_sink)>;

  kafka_listener(listener_options opts, session_factory factory);
  ~kafka_listener();
  kafka_listener(const kafka_listener&) = delete;
  kafka_listener& operator=(const kafka_listener&) = delete;

  /// Binds and starts the I/O threads; false with a message on failure.
  bool start(std::string& error);
  /// The port actually bound (useful with port 0).
  uint16_t port() const;
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace caudal::cluster
