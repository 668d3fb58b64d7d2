#include "cluster/listener.h"

#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"

namespace caudal::cluster {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

int32_t read_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                              (uint32_t{p[2]} << 8) | uint32_t{p[3]});
}

/// One client connection. All its state is touched only on its strand.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket sock, const listener_options& opts)
      : socket_(std::move(sock)), strand_(socket_.get_executor()), opts_(opts) {}

  void start(const kafka_listener::session_factory& factory) {
    socket_.set_option(tcp::no_delay{true});
    // The session holds the connection strongly: while reading is paused for
    // back-pressure no Asio operation keeps it alive. The cycle ends when the
    // connection shuts down and the session actor exits, dropping its sink.
    auto self = shared_from_this();
    actors::connection_sink sink;
    sink.respond = [self](std::optional<protocol::byte_buffer> frame, size_t request_bytes) {
      asio::post(self->strand_, [self, f = std::move(frame), request_bytes]() mutable {
        self->on_response(std::move(f), request_bytes);
      });
    };
    sink.close = [self] { asio::post(self->strand_, [self] { self->shutdown(); }); };
    session_ = factory(std::move(sink));
    asio::post(strand_, [self = shared_from_this()] { self->read_size(); });
  }

  /// Closes the socket and stops the session; only when no I/O thread runs.
  void close_after_stop() { shutdown(); }

private:
  void read_size() {
    if (closed_ || reading_) return;
    if (inflight_bytes_ > opts_.max_inflight_bytes_per_connection) return; // resumed on response
    reading_ = true;
    asio::async_read(socket_, asio::buffer(size_buf_),
                     asio::bind_executor(strand_, [self = shared_from_this()](auto ec, size_t) {
                       self->on_size(ec);
                     }));
  }

  void on_size(const boost::system::error_code& ec) {
    if (ec) return shutdown();
    int32_t size = read_be32(size_buf_);
    if (size < 0 || size > opts_.max_frame_bytes) {
      spdlog::warn("closing connection: frame of {} bytes exceeds socket.request.max.bytes={}",
                   size, opts_.max_frame_bytes);
      return shutdown();
    }
    body_.resize(static_cast<size_t>(size));
    asio::async_read(socket_, asio::buffer(body_),
                     asio::bind_executor(strand_, [self = shared_from_this()](auto ec2, size_t) {
                       self->on_body(ec2);
                     }));
  }

  void on_body(const boost::system::error_code& ec) {
    reading_ = false;
    if (ec) return shutdown();
    inflight_bytes_ += static_cast<int64_t>(body_.size());
    caf::anon_send(session_, actors::frame_atom::value, std::move(body_));
    body_ = {};
    read_size();
  }

  void on_response(std::optional<protocol::byte_buffer> frame, size_t request_bytes) {
    inflight_bytes_ -= static_cast<int64_t>(request_bytes);
    if (closed_) return;
    if (frame) {
      queued_.push_back(std::move(*frame));
      if (!writing_) write_next();
    }
    read_size();
  }

  void write_next() {
    if (queued_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    // Gather everything queued so far into one write.
    current_.clear();
    current_.swap(queued_);
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(current_.size());
    for (auto& b : current_) bufs.emplace_back(asio::buffer(b));
    asio::async_write(socket_, bufs,
                      asio::bind_executor(strand_, [self = shared_from_this()](auto ec, size_t) {
                        if (ec) return self->shutdown();
                        self->write_next();
                      }));
  }

  void shutdown() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    queued_.clear();
    caf::anon_send_exit(session_, caf::exit_reason::user_shutdown);
  }

  tcp::socket socket_;
  asio::strand<tcp::socket::executor_type> strand_;
  const listener_options& opts_;
  caf::actor session_;
  uint8_t size_buf_[4] = {};
  protocol::byte_buffer body_;
  std::deque<protocol::byte_buffer> queued_;
  std::deque<protocol::byte_buffer> current_;
  int64_t inflight_bytes_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

} // namespace

struct kafka_listener::impl {
  listener_options opts;
  session_factory factory;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  // Every connection, so that stop() can end their sessions: a session
  // holds its connection, and an actor system waits for its actors.
  std::mutex connections_mutex;
  std::vector<std::weak_ptr<connection>> connections;

  void track(const std::shared_ptr<connection>& c) {
    std::lock_guard guard{connections_mutex};
    std::erase_if(connections, [](auto& w) { return w.expired(); });
    connections.push_back(c);
  }

  void close_all() {
    std::lock_guard guard{connections_mutex};
    for (auto& w : connections)
      if (auto c = w.lock()) c->close_after_stop();
    connections.clear();
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](auto ec, tcp::socket sock) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        auto c = std::make_shared<connection>(std::move(sock), opts);
        track(c);
        c->start(factory);
      }
      accept();
    });
  }
};

kafka_listener::kafka_listener(listener_options opts, session_factory factory)
    : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  impl_->factory = std::move(factory);
}

kafka_listener::~kafka_listener() { stop(); }

bool kafka_listener::start(std::string& error) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->opts.bind.host, ec);
  if (ec) return error = "bad listener host '" + impl_->opts.bind.host + "'", false;
  tcp::endpoint ep{addr, impl_->opts.bind.port};
  auto& acc = impl_->acceptor;
  if (acc.open(ep.protocol(), ec) || acc.set_option(tcp::acceptor::reuse_address(true), ec) ||
      acc.bind(ep, ec) || acc.listen(asio::socket_base::max_listen_connections, ec)) {
    error = "cannot listen on " + impl_->opts.bind.host + ":" +
            std::to_string(impl_->opts.bind.port) + ": " + ec.message();
    return false;
  }
  impl_->work.emplace(impl_->io.get_executor());
  impl_->accept();
  for (int i = 0; i < impl_->opts.threads; ++i)
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  return true;
}

uint16_t kafka_listener::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void kafka_listener::stop() {
  if (!impl_ || impl_->threads.empty()) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->work.reset();
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->close_all(); // the I/O threads are gone: nothing else touches them now
}

} // namespace caudal::cluster
