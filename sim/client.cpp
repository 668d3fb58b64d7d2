#include "sim/client.h"

#include <algorithm>

namespace caudal::sim {

actors::connection_sink connection::sink() {
  actors::connection_sink s;
  std::weak_ptr<connection> weak = shared_from_this();
  s.respond = [weak](std::optional<protocol::byte_buffer> f, size_t) {
    if (auto c = weak.lock()) c->on_response(std::move(f));
  };
  s.close = [weak] {
    if (auto c = weak.lock()) c->drop();
  };
  return s;
}

int64_t connection::arrival(int64_t& last) {
  last = std::max(last, loop_.now_ms() + loop_.uniform(0, max_latency_ms_));
  return last - loop_.now_ms();
}

void connection::transmit(protocol::byte_buffer frame) {
  auto self = shared_from_this();
  loop_.after(arrival(last_request_ms_), [self, f = std::move(frame)]() mutable {
    if (self->alive_) caf::anon_send(self->session_, actors::frame_atom::value, std::move(f));
  });
}

void connection::on_response(std::optional<protocol::byte_buffer> frame) {
  if (!alive_) return;
  auto self = shared_from_this();
  loop_.after(arrival(last_response_ms_),
              [self, f = std::move(frame)]() mutable { self->deliver(std::move(f)); });
}

void connection::deliver(std::optional<protocol::byte_buffer> frame) {
  if (!alive_ || pending_.empty()) return; // after a crash: the socket is gone
  auto h = std::move(pending_.front());
  pending_.pop_front();
  if (frame)
    h(&*frame);
  else
    h(nullptr); // acks=0 produce: no response (the workload never sends it)
}

void connection::drop() {
  if (!alive_) return;
  alive_ = false;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& h : pending) h(nullptr);
}

bool connection::decode_frame(const protocol::byte_buffer& f, int32_t corr, int16_t header_version,
                              const std::function<void(protocol::reader&)>& body) {
  protocol::reader r{f};
  auto size = r.i32();
  if (!r.ok() || static_cast<size_t>(size) != f.size() - 4) return false;
  protocol::response_header h;
  if (!protocol::decode_response_header(r, h, header_version) || h.correlation_id != corr)
    return false;
  body(r);
  return r.ok() && r.at_end();
}

} // namespace caudal::sim
