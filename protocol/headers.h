#pragma once
// Kafka request and response headers (hand-written: their versions depend on
// the API of the body, not on a version field of their own).
//
// Request header v0: api_key, api_version, correlation_id (ControlledShutdown
// v0 only); v1 adds client_id (nullable int16-length string, even in v2);
// v2 adds a tagged-field section. Response header v0: correlation_id; v1 adds
// tagged fields. ApiVersions responses always use v0.

#include "protocol/bytes.h"
#include "protocol/messages_support.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace caudal::protocol {

struct request_header {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  std::vector<tagged_field> unknown_tags;
  bool operator==(const request_header&) const = default;
};

struct response_header {
  int32_t correlation_id = 0;
  std::vector<tagged_field> unknown_tags;
  bool operator==(const response_header&) const = default;
};

/// 0, 1 or 2. An unknown api key gets 1, so the broker can still read the
/// correlation id and client id and answer with an error.
int16_t request_header_version(int16_t api_key, int16_t api_version);
/// 0 or 1; ApiVersions (key 18) always 0. An unknown api key gets 0.
int16_t response_header_version(int16_t api_key, int16_t api_version);

/// Reads a request header whose version follows from its own api key and
/// version. Returns false (and the reader has failed) if it is malformed.
bool decode_request_header(reader& r, request_header& out);
/// Writes `h` with the header version its api key and version call for.
void encode_request_header(writer& w, const request_header& h);

void encode_response_header(writer& w, const response_header& h, int16_t header_version);
/// Returns false (and the reader has failed) if it is malformed.
bool decode_response_header(reader& r, response_header& out, int16_t header_version);

} // namespace caudal::protocol
