#pragma once
// Test support for the generated codec: a table of every generated message
// with type-erased round-trip and decode entry points (generated in
// build/generated/protocol/messages/testing/). Linked into tests only, via the
// caudal_protocol_testing library.

#include "protocol/bytes.h"
#include "protocol/testing/test_rng.h"

#include <cstdint>
#include <span>

namespace caudal::protocol::msg {

/// What one random round trip produced; the test asserts on each part.
struct roundtrip_result {
  byte_buffer first;         // encode(random message)
  byte_buffer second;        // encode(decode(first))
  bool decoded_ok = false;   // the reader did not fail
  bool consumed_all = false; // decode consumed every byte
  bool equal = false;        // decode(first) == the random message
};

/// What decoding arbitrary bytes produced.
struct reencode_result {
  bool ok = false;       // the reader stayed ok and consumed every byte
  byte_buffer reencoded; // encode(decode(in)), only when ok
};

struct message_case {
  const char* name;
  int16_t api_key; // -1 for data types
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;
  /// Fills a fresh message with random values for `version` and round-trips it.
  roundtrip_result (*roundtrip)(test_rng& g, int16_t version);
  /// Decodes `in` into a fresh message and re-encodes it.
  reencode_result (*decode_reencode)(std::span<const uint8_t> in, int16_t version);
};

std::span<const message_case> all_message_cases();

template <class T>
roundtrip_result run_roundtrip(const T& original, int16_t version) {
  roundtrip_result res;
  writer w1(res.first);
  original.encode(w1, version);
  T decoded;
  reader r(res.first);
  decoded.decode(r, version);
  res.decoded_ok = r.ok();
  res.consumed_all = r.at_end();
  res.equal = decoded == original;
  writer w2(res.second);
  decoded.encode(w2, version);
  return res;
}

template <class T>
reencode_result run_decode_reencode(std::span<const uint8_t> in, int16_t version) {
  reencode_result res;
  T decoded;
  reader r(in);
  decoded.decode(r, version);
  res.ok = r.at_end();
  if (res.ok) {
    writer w(res.reencoded);
    decoded.encode(w, version);
  }
  return res;
}

} // namespace caudal::protocol::msg
