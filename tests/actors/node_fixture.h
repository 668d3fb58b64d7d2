#pragma once
// A node's actors in one process, driven through sessions without sockets:
// the test encodes Kafka requests, hands the frames to a session actor and
// decodes the responses that its connection_sink receives. Uses the real
// scheduler and POSIX files in a temporary directory.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/group_coordinator.h"
#include "actors/session.h"
#include "actors/topic_manager.h"
#include "protocol/headers.h"
#include "protocol/messages/all.h"
#include "storage/metastore.h"

namespace caudal::testing {

namespace msg = protocol::msg;

/// Collects what a session sends back, for one test thread to wait on.
struct response_queue {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::optional<protocol::byte_buffer>> frames;
  bool closed = false;

  actors::connection_sink sink() {
    actors::connection_sink s;
    s.respond = [this](std::optional<protocol::byte_buffer> f, size_t) {
      std::lock_guard g{mutex};
      frames.push_back(std::move(f));
      cv.notify_all();
    };
    s.close = [this] {
      std::lock_guard g{mutex};
      closed = true;
      cv.notify_all();
    };
    return s;
  }

  /// The next response (nullopt entry = request without response); fails the
  /// test after `timeout`.
  std::optional<protocol::byte_buffer> pop(std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock lock{mutex};
    bool got = cv.wait_for(lock, timeout, [&] { return !frames.empty() || closed; });
    BOOST_REQUIRE_MESSAGE(got, "no response within timeout");
    BOOST_REQUIRE_MESSAGE(!frames.empty(), "connection closed instead of a response");
    auto f = std::move(frames.front());
    frames.pop_front();
    return f;
  }

  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    std::unique_lock lock{mutex};
    return cv.wait_for(lock, timeout, [&] { return closed; });
  }
};

struct caf_test_config : caf::actor_system_config {
  caf_test_config() {
    set("scheduler.max-threads", 2);
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

class node_fixture {
public:
  explicit node_fixture(std::map<std::string, std::string> topic_defaults = {},
                        actors::group_settings group_settings = {});
  ~node_fixture();

  /// A new client connection (session actor + its response queue).
  struct client {
    caf::actor session;
    std::shared_ptr<response_queue> responses = std::make_shared<response_queue>();
    int32_t next_correlation = 1;
  };
  client connect();

  /// Sends a request of type Req at `version` and returns the raw frame.
  template <class Req>
  int32_t send(client& c, const Req& req, int16_t version) {
    protocol::byte_buffer frame;
    protocol::writer w{frame};
    protocol::request_header h;
    h.api_key = Req::api_key;
    h.api_version = version;
    h.correlation_id = c.next_correlation++;
    h.client_id = "test";
    protocol::encode_request_header(w, h);
    req.encode(w, version);
    caf::anon_send(c.session, actors::frame_atom::value, std::move(frame));
    return h.correlation_id;
  }

  void send_raw(client& c, protocol::byte_buffer frame) {
    caf::anon_send(c.session, actors::frame_atom::value, std::move(frame));
  }

  /// Decodes a response frame of type Resp (checks the correlation id).
  template <class Resp>
  static Resp decode(const protocol::byte_buffer& frame, int16_t api_key, int16_t version,
                     int32_t correlation) {
    protocol::reader r{frame};
    auto size = r.i32();
    BOOST_REQUIRE_EQUAL(static_cast<size_t>(size), frame.size() - 4);
    BOOST_REQUIRE_EQUAL(r.i32(), correlation);
    if (protocol::response_header_version(api_key, version) >= 1) skip_tags(r);
    Resp resp;
    resp.decode(r, version);
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE(r.at_end());
    return resp;
  }

  static void skip_tags(protocol::reader& r) {
    for (auto n = r.uvarint32(); n > 0 && r.ok(); --n) {
      r.uvarint32();
      r.skip(r.uvarint32());
    }
  }

  /// Sends and waits for the response.
  template <class Resp, class Req>
  Resp call(client& c, const Req& req, int16_t version) {
    auto corr = send(c, req, version);
    auto frame = c.responses->pop();
    BOOST_REQUIRE(frame.has_value());
    return decode<Resp>(*frame, Req::api_key, version, corr);
  }

  std::string dir;
  std::unique_ptr<storage::metastore> meta;
  storage::posix_filesystem fs;
  caf_test_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actors::metadata_cache> cache = std::make_shared<actors::metadata_cache>();
  caf::actor manager;
  actors::node_context ctx;
  std::vector<caf::actor> sessions; // stopped by the destructor
};

} // namespace caudal::testing
