#pragma once
// A simulated Kafka client connection: it encodes requests with the generated
// codec, hands the frames to an in-process session actor and decodes the
// responses that come back through the session's connection_sink, in request
// order. A crash of the node breaks the connection: every pending request's
// handler is called with nullptr (outcome unknown), as a client sees a
// dropped TCP connection. Frames travel with a seeded latency each way (in
// order, like TCP), so crashes also hit requests on the wire and answers that
// were decided but not yet delivered.

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.h"
#include "actors/connection_sink.h"
#include "protocol/bytes.h"
#include "protocol/headers.h"
#include "sim/sim_loop.h"

namespace caudal::sim {

class connection : public std::enable_shared_from_this<connection> {
public:
  using raw_handler = std::function<void(const protocol::byte_buffer* frame)>;

  connection(sim_loop& loop, int64_t max_latency_ms)
      : loop_(loop), max_latency_ms_(max_latency_ms) {}

  /// A sink for the session that feeds this connection.
  actors::connection_sink sink();
  void attach(caf::actor session) { session_ = std::move(session); }
  bool alive() const { return alive_; }
  /// Breaks the connection; pending handlers see nullptr, in order.
  void drop();

  /// Sends `req` at `version`; `done` gets the decoded response, or nullptr
  /// if the connection broke or the response did not decode (`bad_frame`
  /// then tells which).
  template <class Resp, class Req>
  void call(const Req& req, int16_t version, std::function<void(const Resp*)> done) {
    if (!alive_) // a broken socket fails every later request too (never silently)
      return loop_.after(0, [done = std::move(done)] { done(nullptr); });
    protocol::byte_buffer frame;
    protocol::writer w{frame};
    protocol::request_header h;
    h.api_key = Req::api_key;
    h.api_version = version;
    h.correlation_id = next_correlation_++;
    h.client_id = "sim";
    protocol::encode_request_header(w, h);
    req.encode(w, version);
    auto corr = h.correlation_id;
    auto header_version = protocol::response_header_version(Req::api_key, version);
    pending_.push_back([this, done = std::move(done), corr, header_version,
                        version](const protocol::byte_buffer* f) {
      if (f == nullptr) return done(nullptr);
      Resp resp;
      if (!decode_frame(*f, corr, header_version,
                        [&](protocol::reader& r) { resp.decode(r, version); })) {
        bad_frames_++;
        return done(nullptr);
      }
      done(&resp);
    });
    transmit(std::move(frame));
  }

  uint64_t bad_frames() const { return bad_frames_; }

private:
  void transmit(protocol::byte_buffer frame);
  void on_response(std::optional<protocol::byte_buffer> frame);
  void deliver(std::optional<protocol::byte_buffer> frame);
  int64_t arrival(int64_t& last);
  static bool decode_frame(const protocol::byte_buffer& f, int32_t corr, int16_t header_version,
                           const std::function<void(protocol::reader&)>& body);

  sim_loop& loop_;
  int64_t max_latency_ms_;
  int64_t last_request_ms_ = 0; // arrival times only grow: in-order delivery
  int64_t last_response_ms_ = 0;
  caf::actor session_;
  bool alive_ = true;
  int32_t next_correlation_ = 1;
  uint64_t bad_frames_ = 0;
  std::deque<raw_handler> pending_;
};

} // namespace caudal::sim
