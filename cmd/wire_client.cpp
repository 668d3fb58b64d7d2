#include "cmd/wire_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include <librdkafka/rdkafka.h>

#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"

namespace caudal::cmd {
namespace {

namespace msg = protocol::msg;

// Answers larger than this are refused rather than buffered (a Metadata answer of a big
// cluster is a few MB).
constexpr int32_t max_response_bytes = 64 * 1024 * 1024;
constexpr int16_t unsupported_version = 35;

// The I/O deadline is wall time on purpose: this is the CLI's socket layer, not logic code.
int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int remaining_ms(int64_t deadline_ms) {
  return static_cast<int>(std::clamp<int64_t>(deadline_ms - now_ms(), 0, 1 << 30));
}

// Waits until `fd` is ready for `events`; false on timeout or poll error (errno kept).
bool wait_ready(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline_ms));
    if (n > 0) return true;
    if (n == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

// A non-blocking connect to one resolved address, bounded by the deadline.
int connect_one(const addrinfo& ai, int64_t deadline_ms, std::string& why) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai.ai_protocol);
  if (fd < 0) return why = std::strerror(errno), -1;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) return fd;
  int error = errno;
  if (error == EINPROGRESS) {
    if (!wait_ready(fd, POLLOUT, deadline_ms)) {
      error = errno;
    } else {
      socklen_t len = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
      if (error == 0) return fd;
    }
  }
  ::close(fd);
  why = error == ETIMEDOUT ? "connection timed out" : std::strerror(error);
  return -1;
}

int open_socket(const std::string& host, uint16_t port, int timeout_ms, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return why = ::gai_strerror(rc), -1;
  int64_t deadline = now_ms() + timeout_ms;
  int fd = -1;
  for (auto* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next)
    fd = connect_one(*ai, deadline, why);
  ::freeaddrinfo(found);
  return fd;
}

} // namespace

std::optional<std::pair<std::string, uint16_t>> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2); // [::1]:9092
  auto digits = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535)
    return std::nullopt;
  return std::pair{std::string{host}, static_cast<uint16_t>(port)};
}

std::vector<std::string> split_brokers(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::string kafka_error_name(int16_t code) {
  // librdkafka abbreviates or keeps old names for a few codes; print Kafka's own.
  switch (code) {
  case 3:
    return "UNKNOWN_TOPIC_OR_PARTITION";
  case 6:
    return "NOT_LEADER_OR_FOLLOWER";
  default:
    break;
  }
  // librdkafka's response error enum uses Kafka's codes for broker errors.
  const char* name = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
  if (name == nullptr || std::strchr(name, '?') != nullptr) return "ERROR_" + std::to_string(code);
  return name;
}

std::string describe_kafka_error(int16_t code, const std::optional<std::string>& message) {
  auto out = kafka_error_name(code);
  if (message && !message->empty()) out += ": " + *message;
  return out;
}

std::optional<int16_t> common_version(int16_t want_min, int16_t want_max, int16_t broker_min,
                                      int16_t broker_max) {
  int16_t hi = std::min(want_max, broker_max);
  if (hi < std::max(want_min, broker_min)) return std::nullopt;
  return hi;
}

wire_client::wire_client(int fd, std::string address, int timeout_ms)
    : fd_(fd), address_(std::move(address)), timeout_ms_(timeout_ms), frames_(max_response_bytes) {}

wire_client::~wire_client() { close(); }

void wire_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::unique_ptr<wire_client> wire_client::connect(const global_options& global, client_error& err) {
  auto brokers = split_brokers(global.brokers);
  if (brokers.empty()) return err.message = "no broker given (-X host:port)", nullptr;
  std::string failures;
  for (const auto& b : brokers) {
    auto hp = parse_host_port(b);
    std::string why = "not host:port";
    int fd = hp ? open_socket(hp->first, hp->second, global.timeout_ms, why) : -1;
    if (fd >= 0) {
      std::unique_ptr<wire_client> c{new wire_client(fd, b, global.timeout_ms)};
      client_error e;
      if (c->negotiate(e)) return c;
      why = e.message;
    }
    failures += (failures.empty() ? "" : "; ") + b + ": " + why;
  }
  err.message = "no broker reachable (" + failures + ")";
  return nullptr;
}

bool wire_client::negotiate(client_error& err) {
  // v3 first (flexible, what current clients send); a broker that does not know it answers
  // UNSUPPORTED_VERSION in a v0 body listing its range, so v0 is the fallback.
  versions_[msg::api_versions_request::api_key] = {0, 3};
  auto resp = call<msg::api_versions_response>(msg::api_versions_request{}, err);
  if (resp && resp->error_code == unsupported_version) {
    versions_[msg::api_versions_request::api_key] = {0, 0};
    resp = call<msg::api_versions_response>(msg::api_versions_request{}, err);
  }
  if (!resp) return false;
  if (resp->error_code != 0) {
    err.message = "ApiVersions: " + kafka_error_name(resp->error_code);
    return false;
  }
  versions_.clear();
  for (const auto& k : resp->api_keys) versions_[k.api_key] = {k.min_version, k.max_version};
  return true;
}

std::optional<int16_t> wire_client::version_for(int16_t api_key, int16_t min, int16_t max,
                                                const char* name, client_error& err) const {
  auto it = versions_.find(api_key);
  auto v = it == versions_.end() ? std::nullopt
                                 : common_version(min, max, it->second.first, it->second.second);
  if (!v)
    err.message = std::string{"broker "} + address_ + " does not support " + name + " (API key " +
                  std::to_string(api_key) + ", versions " + std::to_string(min) + "-" +
                  std::to_string(max) + ") (UNSUPPORTED_VERSION)";
  return v;
}

protocol::request_header wire_client::next_header(int16_t api_key, int16_t version) {
  protocol::request_header h;
  h.api_key = api_key;
  h.api_version = version;
  h.correlation_id = ++correlation_id_;
  h.client_id = "caudal-cli";
  return h;
}

std::optional<protocol::byte_buffer> wire_client::round_trip(const protocol::request_header& header,
                                                             const protocol::byte_buffer& frame,
                                                             const char* name, client_error& err) {
  if (fd_ < 0) return err.message = "connection to " + address_ + " is closed", std::nullopt;
  int64_t deadline = now_ms() + timeout_ms_;
  if (!send_all(frame, deadline, err)) return close(), std::nullopt;
  auto payload = receive_frame(deadline, name, err);
  if (!payload) return close(), std::nullopt;
  protocol::reader r(*payload);
  protocol::response_header rh;
  auto hv = protocol::response_header_version(header.api_key, header.api_version);
  if (!protocol::decode_response_header(r, rh, hv) || rh.correlation_id != header.correlation_id) {
    err.message = std::string{"malformed or mismatched answer to "} + name + " from " + address_;
    return close(), std::nullopt;
  }
  return protocol::byte_buffer(payload->end() - static_cast<ptrdiff_t>(r.remaining()),
                               payload->end());
}

bool wire_client::send_all(const protocol::byte_buffer& frame, int64_t deadline_ms,
                           client_error& err) {
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_ready(fd_, POLLOUT, deadline_ms))
      continue;
    err.message = "sending to " + address_ + ": " +
                  (errno == ETIMEDOUT ? "timed out after " + std::to_string(timeout_ms_) + " ms"
                                      : std::string{std::strerror(errno)});
    return false;
  }
  return true;
}

std::optional<protocol::byte_buffer>
wire_client::receive_frame(int64_t deadline_ms, const char* name, client_error& err) {
  uint8_t buf[64 * 1024];
  for (;;) {
    if (auto f = frames_.pop()) return f;
    if (frames_.failed()) {
      err.message =
          std::string{"invalid frame size in the answer to "} + name + " from " + address_;
      return std::nullopt;
    }
    if (!wait_ready(fd_, POLLIN, deadline_ms)) {
      err.message = std::string{"timed out after "} + std::to_string(timeout_ms_) +
                    " ms waiting for the answer to " + name + " from " + address_ +
                    " (--timeout-ms)";
      return std::nullopt;
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      frames_.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
    } else if (n == 0) {
      err.message =
          std::string{"broker "} + address_ + " closed the connection (request " + name + ")";
      return std::nullopt;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      err.message = "receiving from " + address_ + ": " + std::strerror(errno);
      return std::nullopt;
    }
  }
}

} // namespace caudal::cmd
