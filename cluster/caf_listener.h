#pragma once
// The alternative Kafka TCP listener on CAF 0.17's io brokers (listener.impl=caf).
// An acceptor broker forks one connection broker per client; each reads frames
// with receive_policy::exactly(4) then exactly(n) and hands them to the same
// kind of CAF session actor as the Asio listener. Responses come back as
// messages to the connection broker, which writes and flushes them. All
// brokers run on the middleman's single multiplexer thread (CAF-0.17.md §4);
// it exists to be measured against kafka_listener (docs/benchmarks.md).
// Needs an actor_system whose config loaded caf::io::middleman.

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "cluster/listener.h"

namespace caudal::cluster {

class caf_listener {
public:
  using session_factory = kafka_listener::session_factory;

  /// `opts.threads` is ignored: CAF 0.17 has one multiplexer thread.
  caf_listener(caf::actor_system& sys, listener_options opts, session_factory factory);
  ~caf_listener();
  caf_listener(const caf_listener&) = delete;
  caf_listener& operator=(const caf_listener&) = delete;

  /// Spawns the acceptor broker and binds; false with a message on failure.
  bool start(std::string& error);
  /// The port actually bound (useful with port 0).
  uint16_t port() const { return port_; }
  /// Closes the acceptor and every connection (their sessions exit too).
  void stop();

private:
  caf::actor_system& sys_;
  std::shared_ptr<const listener_options> opts_;
  std::shared_ptr<const session_factory> factory_;
  caf::actor acceptor_;
  uint16_t port_ = 0;
};

} // namespace caudal::cluster
