#pragma once
// A small blocking Kafka-protocol client over one TCP connection, for the admin APIs that
// librdkafka 2.0.2 has no call for (AlterPartitionReassignments, ListPartitionReassignments,
// ElectLeaders, UnregisterBroker). It encodes and decodes with the project's generated
// message codecs (protocol/messages/*.h) and picks each request's version from the
// broker's ApiVersions answer.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmd/cli_common.h"
#include "cmd/kafka_client.h"
#include "protocol/bytes.h"
#include "protocol/framing.h"
#include "protocol/headers.h"

namespace caudal::cmd {

/// "host:port" split at the last ':'; nullopt when malformed (no port, port out of range).
std::optional<std::pair<std::string, uint16_t>> parse_host_port(std::string_view text);

/// Splits a comma-separated broker list, dropping empty entries and surrounding spaces.
std::vector<std::string> split_brokers(std::string_view list);

/// Name of a Kafka error code ("NOT_CONTROLLER"), or "ERROR_<code>" for an unknown one.
std::string kafka_error_name(int16_t code);

/// "NAME: message" (or just NAME when the message is empty or missing).
std::string describe_kafka_error(int16_t code, const std::optional<std::string>& message);

/// The highest version in [want_min, want_max] that the broker range [broker_min,
/// broker_max] also covers, or nullopt when the ranges do not meet.
std::optional<int16_t> common_version(int16_t want_min, int16_t want_max, int16_t broker_min,
                                      int16_t broker_max);

class wire_client {
public:
  /// Connects to the brokers of `global.brokers` in turn and returns a client on the first
  /// that accepts the connection and answers ApiVersions. `err` names every failure.
  static std::unique_ptr<wire_client> connect(const global_options& global, client_error& err);

  ~wire_client();
  wire_client(const wire_client&) = delete;
  wire_client& operator=(const wire_client&) = delete;

  /// host:port this client is connected to.
  const std::string& address() const { return address_; }

  /// Sends `req` at the highest version both sides support and decodes the answer as
  /// `Resp`. On failure (unsupported API, I/O error, timeout, malformed answer) returns
  /// nullopt with `err` set; after an I/O failure the connection is closed and every
  /// further call fails.
  template <class Resp, class Req>
  std::optional<Resp> call(const Req& req, client_error& err) {
    auto version =
        version_for(Req::api_key, Req::min_version,
                    std::min<int16_t>(Req::max_version, Resp::max_version), Req::name, err);
    if (!version) return std::nullopt;
    auto header = next_header(Req::api_key, *version);
    auto body = round_trip(header, protocol::frame_request(header, req), Req::name, err);
    if (!body) return std::nullopt;
    Resp resp;
    protocol::reader r(*body);
    resp.decode(r, *version);
    if (!r.ok()) {
      err.message = std::string{"malformed "} + Resp::name + " v" + std::to_string(*version) +
                    " from " + address_;
      return std::nullopt;
    }
    return resp;
  }

private:
  wire_client(int fd, std::string address, int timeout_ms);

  bool negotiate(client_error& err);
  std::optional<int16_t> version_for(int16_t api_key, int16_t min, int16_t max, const char* name,
                                     client_error& err) const;
  protocol::request_header next_header(int16_t api_key, int16_t version);
  /// Sends a request frame and returns the body of its response (after the header).
  std::optional<protocol::byte_buffer> round_trip(const protocol::request_header& header,
                                                  const protocol::byte_buffer& frame,
                                                  const char* name, client_error& err);
  bool send_all(const protocol::byte_buffer& frame, int64_t deadline_ms, client_error& err);
  std::optional<protocol::byte_buffer> receive_frame(int64_t deadline_ms, const char* name,
                                                     client_error& err);
  void close();

  int fd_ = -1;
  std::string address_;
  int timeout_ms_ = 10000;
  int32_t correlation_id_ = 0;
  protocol::frame_decoder frames_;
  std::map<int16_t, std::pair<int16_t, int16_t>> versions_; ///< api key -> broker's range
};

} // namespace caudal::cmd
