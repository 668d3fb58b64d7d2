// wire_client against a loopback fake broker (a thread answering with the generated
// codecs), plus its pure helpers: broker lists, version choice, error names.
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "cmd/wire_client.h"
#include "protocol/messages/api_versions_response.h"
#include "protocol/messages/unregister_broker_request.h"
#include "protocol/messages/unregister_broker_response.h"

using namespace caudal::cmd;
namespace proto = caudal::protocol;
namespace msg = caudal::protocol::msg;

namespace {

// A listening loopback socket on a free port.
struct listener {
  int fd = -1;
  uint16_t port = 0;
  listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~listener() { ::close(fd); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

std::optional<proto::byte_buffer> read_frame(int fd) {
  proto::frame_decoder d(1 << 20);
  uint8_t buf[4096];
  for (;;) {
    if (auto f = d.pop()) return f;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    d.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  }
}

template <class Body>
void answer(int fd, const proto::request_header& h, const Body& body) {
  proto::response_header rh;
  rh.correlation_id = h.correlation_id;
  auto frame = proto::frame_response(rh, proto::response_header_version(h.api_key, h.api_version),
                                     body, h.api_version);
  ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
}

// Serves one connection: ApiVersions (listing UnregisterBroker v0 only unless `no_unregister`),
// then UnregisterBroker answered with error 0 when the broker id is 4, else 69.
void fake_broker(int listen_fd, bool no_unregister) {
  int fd = ::accept(listen_fd, nullptr, nullptr);
  while (auto frame = read_frame(fd)) {
    proto::reader r(*frame);
    proto::request_header h;
    if (!proto::decode_request_header(r, h)) break;
    if (h.api_key == msg::api_versions_response::api_key) {
      msg::api_versions_response resp;
      resp.api_keys.push_back({18, 0, 3, {}});
      if (!no_unregister) resp.api_keys.push_back({64, 0, 0, {}});
      answer(fd, h, resp);
    } else if (h.api_key == msg::unregister_broker_request::api_key) {
      msg::unregister_broker_request req;
      req.decode(r, h.api_version);
      msg::unregister_broker_response resp;
      resp.error_code = req.broker_id == 4 ? 0 : 69;
      answer(fd, h, resp);
    }
  }
  ::close(fd);
}

} // namespace

BOOST_AUTO_TEST_CASE(broker_lists_and_versions) {
  BOOST_TEST(split_brokers(" a:1, ,b:2,") == (std::vector<std::string>{"a:1", "b:2"}));
  BOOST_TEST(parse_host_port("h:9092")->second == 9092);
  BOOST_TEST(parse_host_port("[::1]:9092")->first == "::1");
  for (const char* bad : {"h", "h:", ":1", "h:0", "h:70000", "h:1x"})
    BOOST_TEST(!parse_host_port(bad).has_value(), bad);
  BOOST_TEST(common_version(0, 2, 0, 12).value() == 2);
  BOOST_TEST(common_version(0, 12, 1, 9).value() == 9);
  BOOST_TEST(!common_version(3, 4, 0, 2).has_value());
  BOOST_TEST(kafka_error_name(39) == "INVALID_REPLICA_ASSIGNMENT");
  BOOST_TEST(kafka_error_name(3) == "UNKNOWN_TOPIC_OR_PARTITION"); // Kafka's name, not rdkafka's
  BOOST_TEST(kafka_error_name(6) == "NOT_LEADER_OR_FOLLOWER");
  BOOST_TEST(kafka_error_name(84) == "ELECTION_NOT_NEEDED");
  BOOST_TEST(describe_kafka_error(85, std::string{"none"}) == "NO_REASSIGNMENT_IN_PROGRESS: none");
}

BOOST_AUTO_TEST_CASE(connection_refused_names_every_broker) {
  int port = 0;
  {
    listener l; // bound then closed: nothing listens there afterwards
    port = l.port;
  }
  global_options g;
  g.brokers = "127.0.0.1:" + std::to_string(port) + ",nohost:x";
  g.timeout_ms = 2000;
  client_error err;
  BOOST_TEST(!wire_client::connect(g, err));
  BOOST_TEST(err.message.find("Connection refused") != std::string::npos, err.message);
  BOOST_TEST(err.message.find("nohost:x: not host:port") != std::string::npos, err.message);
}

BOOST_AUTO_TEST_CASE(a_silent_broker_times_out) {
  listener l; // accepts (backlog) but never answers ApiVersions
  global_options g;
  g.brokers = l.address();
  g.timeout_ms = 200;
  client_error err;
  BOOST_TEST(!wire_client::connect(g, err));
  BOOST_TEST(err.message.find("timed out after 200 ms") != std::string::npos, err.message);
}

BOOST_AUTO_TEST_CASE(calls_and_errors_through_a_fake_broker) {
  listener l;
  std::thread server(fake_broker, l.fd, false);
  global_options g;
  g.brokers = l.address();
  client_error err;
  auto c = wire_client::connect(g, err);
  BOOST_REQUIRE_MESSAGE(c, err.message);
  msg::unregister_broker_request req;
  req.broker_id = 4;
  auto ok = c->call<msg::unregister_broker_response>(req, err);
  BOOST_REQUIRE_MESSAGE(ok, err.message);
  BOOST_TEST(ok->error_code == 0);
  req.broker_id = 5;
  BOOST_TEST(c->call<msg::unregister_broker_response>(req, err)->error_code == 69);
  c.reset(); // closes the connection: the server thread ends
  server.join();
}

BOOST_AUTO_TEST_CASE(an_api_the_broker_lacks_is_reported) {
  listener l;
  std::thread server(fake_broker, l.fd, true);
  global_options g;
  g.brokers = l.address();
  client_error err;
  auto c = wire_client::connect(g, err);
  BOOST_REQUIRE_MESSAGE(c, err.message);
  BOOST_TEST(!c->call<msg::unregister_broker_response>(msg::unregister_broker_request{}, err));
  BOOST_TEST(err.message.find("does not support UnregisterBrokerRequest (API key 64") !=
                 std::string::npos,
             err.message);
  c.reset();
  server.join();
}
