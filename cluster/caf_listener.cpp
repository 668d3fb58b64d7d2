#include "cluster/caf_listener.h"

#include <chrono>

#include <caf/io/all.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"

namespace caudal::cluster {
namespace {

using bind_atom = caf::atom_constant<caf::atom("lbind")>;
using respond_atom = caf::atom_constant<caf::atom("lrespond")>;
using close_atom = caf::atom_constant<caf::atom("lclose")>;

using options_ptr = std::shared_ptr<const listener_options>;
using factory_ptr = std::shared_ptr<const caf_listener::session_factory>;

int32_t read_be32(const char* p) {
  auto b = [p](int i) { return uint32_t{static_cast<uint8_t>(p[i])}; };
  return static_cast<int32_t>((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3));
}

struct conn_state {
  caf::actor session;
  bool want_body = false; // false: the next read is a 4-byte size
};

using conn_broker = caf::io::stateful_broker<conn_state>;

/// Ends the connection: the session exits, the broker quits (which closes the
/// socket after writing what is already buffered).
void close_connection(conn_broker* self) {
  if (self->state.session)
    caf::anon_send_exit(self->state.session, caf::exit_reason::user_shutdown);
  self->quit();
}

actors::connection_sink make_sink(conn_broker* self) {
  // The sink runs on the session's thread; it only sends messages to the
  // broker, which alone touches the connection.
  auto me = caf::actor_cast<caf::actor>(self);
  actors::connection_sink sink;
  sink.respond = [me](std::optional<protocol::byte_buffer> frame, size_t request_bytes) {
    auto bytes = static_cast<uint64_t>(request_bytes);
    if (frame)
      caf::anon_send(me, respond_atom::value, std::move(*frame), bytes);
    else
      caf::anon_send(me, respond_atom::value, bytes);
  };
  sink.close = [me] { caf::anon_send(me, close_atom::value); };
  return sink;
}

// No back-pressure: CAF 0.17 has no receive_policy::stop(). halt(hdl) (take the
// socket out of the multiplexer's read set) with trigger(hdl) to resume was tried
// and stalled: with a 100-byte budget, 500 pipelined requests stopped after 175
// responses. Until that is understood this listener reads without a budget, so
// queued.max.request.bytes does not apply to it (docs/architecture.md).
void deliver(conn_broker* self, protocol::byte_buffer frame) {
  caf::anon_send(self->state.session, actors::frame_atom::value, std::move(frame));
}

void on_data(conn_broker* self, caf::io::new_data_msg& msg, const listener_options& opts) {
  auto& st = self->state;
  if (st.want_body) {
    st.want_body = false;
    self->configure_read(msg.handle, caf::io::receive_policy::exactly(4));
    deliver(self, protocol::byte_buffer(msg.buf.begin(), msg.buf.end()));
    return;
  }
  int32_t size = read_be32(msg.buf.data());
  if (size < 0 || size > opts.max_frame_bytes) {
    spdlog::warn("closing connection: frame of {} bytes exceeds socket.request.max.bytes={}", size,
                 opts.max_frame_bytes);
    return close_connection(self);
  }
  if (size == 0) return deliver(self, {}); // exactly(0) would never fire
  st.want_body = true;
  self->configure_read(msg.handle, caf::io::receive_policy::exactly(static_cast<size_t>(size)));
}

caf::behavior connection(conn_broker* self, caf::io::connection_handle hdl, caf::actor acceptor,
                         options_ptr opts, factory_ptr factory) {
  self->state.session = (*factory)(make_sink(self));
  // The connection ends when its session or the acceptor (listener stop) goes.
  self->monitor(self->state.session);
  self->monitor(acceptor);
  self->set_down_handler([self](caf::down_msg&) { close_connection(self); });
  self->configure_read(hdl, caf::io::receive_policy::exactly(4));
  return {
      [self, opts](caf::io::new_data_msg& msg) { on_data(self, msg, *opts); },
      [self, hdl](respond_atom, protocol::byte_buffer& frame, uint64_t) {
        auto& out = self->wr_buf(hdl);
        out.insert(out.end(), frame.begin(), frame.end());
        self->flush(hdl);
      },
      [](respond_atom, uint64_t) {}, // acks=0 produce: nothing to write
      [self](close_atom) { close_connection(self); },
      [self](const caf::io::connection_closed_msg&) { close_connection(self); },
  };
}

caf::behavior acceptor(caf::io::broker* self, options_ptr opts, factory_ptr factory) {
  return {
      [self, opts](bind_atom) -> caf::result<uint16_t> {
        auto bound = self->add_tcp_doorman(opts->bind.port, opts->bind.host.c_str(), true);
        if (!bound) return bound.error();
        return bound->second;
      },
      [self, opts, factory](const caf::io::new_connection_msg& msg) {
        self->fork(connection, msg.handle, caf::actor_cast<caf::actor>(self), opts, factory);
      },
      [](const caf::io::acceptor_closed_msg&) {
        spdlog::warn("the CAF listener's acceptor closed");
      },
  };
}

} // namespace

caf_listener::caf_listener(caf::actor_system& sys, listener_options opts, session_factory factory)
    : sys_(sys), opts_(std::make_shared<const listener_options>(std::move(opts))),
      factory_(std::make_shared<const session_factory>(std::move(factory))) {}

caf_listener::~caf_listener() { stop(); }

bool caf_listener::start(std::string& error) {
  if (!sys_.has_middleman()) return error = "listener.impl=caf needs CAF's middleman", false;
  acceptor_ = sys_.middleman().spawn_broker(acceptor, opts_, factory_);
  caf::scoped_actor self{sys_};
  bool ok = false;
  self->request(acceptor_, std::chrono::seconds(10), bind_atom::value)
      .receive([&](uint16_t port) { port_ = port, ok = true; },
               [&](caf::error& err) {
                 error = "cannot listen on " + opts_->bind.host + ":" +
                         std::to_string(opts_->bind.port) + ": " + sys_.render(err);
               });
  if (!ok) stop();
  return ok;
}

void caf_listener::stop() {
  if (!acceptor_) return;
  caf::scoped_actor self{sys_};
  self->monitor(acceptor_);
  self->send_exit(acceptor_, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {},
                caf::after(std::chrono::seconds(5)) >>
                    [] { spdlog::warn("the CAF listener did not stop within 5 s"); });
  acceptor_ = nullptr;
}

} // namespace caudal::cluster
