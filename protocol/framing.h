#pragma once
// Sans-I/O framing of the Kafka byte stream: every request and response is an
// int32 big-endian size followed by that many bytes. frame_decoder splits an
// incoming stream into frame payloads; the frame_* helpers build outgoing
// frames with their size prefix.

#include "protocol/bytes.h"
#include "protocol/headers.h"

#include <cstdint>
#include <optional>
#include <span>

namespace caudal::protocol {

class frame_decoder {
public:
  enum class status : uint8_t {
    ok,
    negative_size, // a frame announced a negative size
    too_large,     // a frame announced more than max_frame_bytes
  };

  explicit frame_decoder(int32_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  /// Appends bytes received from the connection. Ignored once failed.
  void feed(std::span<const uint8_t> bytes);

  /// The next complete frame's payload (without the 4-byte size), or nullopt
  /// if none is complete yet or the stream is broken (see error()). Once a
  /// frame size is invalid the decoder stays failed: the caller closes the
  /// connection.
  std::optional<byte_buffer> pop();

  status error() const { return status_; }
  bool failed() const { return status_ != status::ok; }
  /// Bytes received but not yet returned as frames.
  size_t buffered() const { return buf_.size() - start_; }

private:
  int32_t max_frame_bytes_;
  byte_buffer buf_;
  size_t start_ = 0; // consumed prefix of buf_, dropped lazily to keep feed() cheap
  status status_ = status::ok;
};

/// Starts a frame in `w`: reserves the size prefix; returns its position.
inline size_t begin_frame(writer& w) { return w.reserve(4); }
/// Patches the size prefix written by begin_frame at `at`.
inline void end_frame(writer& w, size_t at) {
  w.patch_i32(at, static_cast<int32_t>(w.size() - at - 4));
}

/// A complete response frame: size, header, then the already-encoded body.
byte_buffer frame_response(const response_header& h, int16_t header_version,
                           std::span<const uint8_t> body);

/// A complete response frame with `body.encode(w, version)` as its body.
template <class Body>
byte_buffer frame_response(const response_header& h, int16_t header_version, const Body& body,
                           int16_t version) {
  byte_buffer out;
  writer w(out);
  size_t at = begin_frame(w);
  encode_response_header(w, h, header_version);
  body.encode(w, version);
  end_frame(w, at);
  return out;
}

/// A complete request frame (for our own clients and tests); the body is
/// encoded at h.api_version.
template <class Body>
byte_buffer frame_request(const request_header& h, const Body& body) {
  byte_buffer out;
  writer w(out);
  size_t at = begin_frame(w);
  encode_request_header(w, h);
  body.encode(w, h.api_version);
  end_frame(w, at);
  return out;
}

} // namespace caudal::protocol
