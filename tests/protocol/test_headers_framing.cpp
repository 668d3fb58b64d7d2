// Request/response headers, the API table and the frame splitter.
#define BOOST_TEST_MODULE protocol_headers_framing
#include <boost/test/unit_test.hpp>

#include "protocol/api_table.h"
#include "protocol/framing.h"
#include "protocol/headers.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/metadata_request.h"

#include <string_view>

using namespace caudal::protocol;

BOOST_AUTO_TEST_CASE(api_table_matches_the_definitions) {
  const api_info* produce = find_api(0);
  BOOST_TEST_REQUIRE(produce != nullptr);
  BOOST_TEST(std::string_view(produce->name) == "Produce");
  BOOST_TEST(produce->min_version == 0);
  BOOST_TEST(produce->max_version == 11);
  BOOST_TEST(produce->first_flexible_version == 9);
  BOOST_TEST(produce->broker);
  BOOST_TEST(!produce->controller);
  const api_info* vote = find_api(52);
  BOOST_TEST_REQUIRE(vote != nullptr);
  BOOST_TEST(std::string_view(vote->name) == "Vote");
  BOOST_TEST(vote->controller);
  BOOST_TEST(find_api(4) == nullptr); // LeaderAndIsr: ZooKeeper only, not generated
  BOOST_TEST(find_api(-1) == nullptr);
  BOOST_TEST(find_api(9999) == nullptr);
  int16_t previous = -1;
  for (const auto& api : all_apis()) {
    BOOST_TEST(api.key > previous); // sorted, no duplicates
    previous = api.key;
    BOOST_TEST(find_api(api.key) == &api);
  }
}

BOOST_AUTO_TEST_CASE(header_versions_follow_flexibility) {
  BOOST_TEST(request_header_version(0, 8) == 1);  // Produce v8: not flexible
  BOOST_TEST(request_header_version(0, 9) == 2);  // Produce v9: flexible
  BOOST_TEST(request_header_version(18, 3) == 2); // ApiVersions v3
  BOOST_TEST(request_header_version(18, 0) == 1);
  BOOST_TEST(request_header_version(7, 0) == 0); // ControlledShutdown v0
  BOOST_TEST(request_header_version(7, 1) == 1);
  BOOST_TEST(request_header_version(1234, 0) == 1); // unknown key
  BOOST_TEST(response_header_version(18, 3) == 0);  // ApiVersions: always v0
  BOOST_TEST(response_header_version(3, 9) == 1);   // Metadata v9
  BOOST_TEST(response_header_version(3, 8) == 0);
  BOOST_TEST(response_header_version(1234, 5) == 0);
}

BOOST_AUTO_TEST_CASE(request_header_v2_bytes) {
  request_header h{18, 3, 7, std::string("ab"), {}};
  byte_buffer out;
  writer w(out);
  encode_request_header(w, h);
  // key, version, correlation id, int16-length client id, no tagged fields.
  const byte_buffer expected{0, 18, 0, 3, 0, 0, 0, 7, 0, 2, 'a', 'b', 0};
  BOOST_TEST(out == expected);
  request_header back;
  reader r(out);
  BOOST_TEST(decode_request_header(r, back));
  BOOST_TEST(r.at_end());
  BOOST_TEST((back == h));
}

BOOST_AUTO_TEST_CASE(request_header_null_client_id_and_tags_round_trip) {
  request_header h{3, 12, -5, std::nullopt, {{3, {1, 2}}, {40, {}}}};
  byte_buffer out;
  writer w(out);
  encode_request_header(w, h);
  request_header back;
  reader r(out);
  BOOST_TEST(decode_request_header(r, back));
  BOOST_TEST(r.at_end());
  BOOST_TEST((back == h));
}

BOOST_AUTO_TEST_CASE(unknown_api_key_decodes_as_header_v1) {
  const byte_buffer in{0x30, 0x39, 0, 1, 0, 0, 0, 42, 0, 1, 'x', 0xff};
  request_header h;
  reader r(in);
  BOOST_TEST(decode_request_header(r, h));
  BOOST_TEST(h.api_key == 12345);
  BOOST_TEST(h.correlation_id == 42);
  BOOST_TEST((h.client_id == std::optional<std::string>("x")));
  BOOST_TEST(r.remaining() == 1u); // no tagged section read for v1
}

BOOST_AUTO_TEST_CASE(malformed_headers_fail) {
  const byte_buffer full{0, 18, 0, 3, 0, 0, 0, 7, 0, 2, 'a', 'b', 0};
  for (size_t n = 0; n < full.size(); ++n) {
    request_header h;
    reader r(std::span<const uint8_t>(full.data(), n));
    BOOST_TEST(!decode_request_header(r, h));
  }
  const byte_buffer bad_len{0, 18, 0, 3, 0, 0, 0, 7, 0xff, 0xfe, 0};
  request_header h;
  reader r(bad_len);
  BOOST_TEST(!decode_request_header(r, h));
}

BOOST_AUTO_TEST_CASE(response_headers) {
  response_header h{99, {{1, {7}}}};
  for (int16_t hv : {0, 1}) {
    byte_buffer out;
    writer w(out);
    encode_response_header(w, h, hv);
    BOOST_TEST(out.size() == (hv == 0 ? 4u : 8u));
    response_header back;
    reader r(out);
    BOOST_TEST(decode_response_header(r, back, hv));
    BOOST_TEST(r.at_end());
    BOOST_TEST(back.correlation_id == 99);
    BOOST_TEST(back.unknown_tags.size() == (hv == 0 ? 0u : 1u));
  }
}

namespace {
byte_buffer frame_of(std::initializer_list<uint8_t> payload) {
  byte_buffer out;
  writer w(out);
  size_t at = begin_frame(w);
  for (uint8_t b : payload) w.u8(b);
  end_frame(w, at);
  return out;
}
} // namespace

BOOST_AUTO_TEST_CASE(frames_split_across_and_within_feeds) {
  byte_buffer stream = frame_of({1, 2, 3});
  byte_buffer second = frame_of({});
  byte_buffer third = frame_of({9});
  stream.insert(stream.end(), second.begin(), second.end());
  stream.insert(stream.end(), third.begin(), third.end());
  frame_decoder d(1024);
  std::vector<byte_buffer> got;
  for (uint8_t b : stream) { // worst case: one byte at a time
    d.feed(std::span<const uint8_t>(&b, 1));
    while (auto f = d.pop()) got.push_back(*f);
  }
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST((got[0] == byte_buffer{1, 2, 3}));
  BOOST_TEST(got[1].empty());
  BOOST_TEST((got[2] == byte_buffer{9}));
  BOOST_TEST(d.buffered() == 0u);
  frame_decoder all(1024); // everything in one feed
  all.feed(stream);
  size_t n = 0;
  while (all.pop()) ++n;
  BOOST_TEST(n == 3u);
  BOOST_TEST(!all.failed());
}

BOOST_AUTO_TEST_CASE(bad_frame_sizes_fail_the_stream) {
  frame_decoder neg(100);
  const byte_buffer minus_one{0xff, 0xff, 0xff, 0xff, 1};
  neg.feed(minus_one);
  BOOST_TEST(!neg.pop().has_value());
  BOOST_TEST((neg.error() == frame_decoder::status::negative_size));
  frame_decoder big(100);
  const byte_buffer size_101{0, 0, 0, 101};
  big.feed(size_101);
  BOOST_TEST(!big.pop().has_value());
  BOOST_TEST((big.error() == frame_decoder::status::too_large));
  big.feed(frame_of({1})); // stays failed
  BOOST_TEST(!big.pop().has_value());
  frame_decoder exact(3);
  exact.feed(frame_of({1, 2, 3}));
  BOOST_TEST(exact.pop().has_value());
}

BOOST_AUTO_TEST_CASE(frame_response_and_request_helpers) {
  const byte_buffer body{5, 6};
  byte_buffer f = frame_response(response_header{77, {}}, 1, body);
  const byte_buffer expected{0, 0, 0, 7, 0, 0, 0, 77, 0, 5, 6};
  BOOST_TEST(f == expected);

  msg::metadata_request req;
  req.topics.emplace().push_back({});
  req.topics->back().name = "t";
  request_header h{3, 12, 1, std::string("c"), {}};
  byte_buffer framed = frame_request(h, req);
  frame_decoder d(1 << 20);
  d.feed(framed);
  auto payload = d.pop();
  BOOST_TEST_REQUIRE(payload.has_value());
  reader r(*payload);
  request_header back;
  BOOST_TEST_REQUIRE(decode_request_header(r, back));
  msg::metadata_request decoded;
  decoded.decode(r, back.api_version);
  BOOST_TEST(r.at_end());
  BOOST_TEST((decoded == req));
}
