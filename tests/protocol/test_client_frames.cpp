// Request frames captured from real clients (kcat/librdkafka, kafka-python,
// confluent-kafka, kafkajs) by tests/data/frames/capture.py: each decodes
// (header and body) to what the manifest says and re-encodes byte for byte.
#define BOOST_TEST_MODULE protocol_client_frames
#include <boost/test/unit_test.hpp>

#include "protocol/api_table.h"
#include "protocol/framing.h"
#include "protocol/headers.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/produce_request.h"
#include "protocol/testing/roundtrip.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

using namespace caudal::protocol;

namespace {

const std::string k_dir = std::string(CAUDAL_TEST_DATA_DIR) + "/frames/";

struct manifest_row {
  std::string file;
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
};

std::vector<manifest_row> read_manifest() {
  std::ifstream in(k_dir + "frames.tsv");
  std::vector<manifest_row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    manifest_row r;
    ss >> r.file >> r.api_key >> r.api_version >> r.correlation_id >> r.client_id;
    rows.push_back(r);
  }
  return rows;
}

byte_buffer read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return byte_buffer(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The frame's payload, split by the frame decoder as a connection would.
byte_buffer payload_of(const std::string& file) {
  frame_decoder d(1 << 20);
  d.feed(read_bytes(k_dir + file));
  auto p = d.pop();
  BOOST_TEST_REQUIRE(p.has_value());
  BOOST_TEST(d.buffered() == 0u);
  return *p;
}

const msg::message_case* case_named(const std::string& name) {
  for (const auto& mc : msg::all_message_cases()) {
    if (name == mc.name) return &mc;
  }
  return nullptr;
}

} // namespace

BOOST_AUTO_TEST_CASE(manifest_lists_the_captured_clients) {
  auto rows = read_manifest();
  BOOST_TEST(rows.size() >= 15u);
  for (const char* prefix : {"kcat_", "kafka_python_", "confluent_kafka_", "kafkajs_"}) {
    bool found = false;
    for (const auto& r : rows) found = found || r.file.starts_with(prefix);
    BOOST_TEST(found, prefix);
  }
}

BOOST_AUTO_TEST_CASE(every_captured_frame_decodes_and_reencodes_exactly) {
  for (const auto& row : read_manifest()) {
    BOOST_TEST_CONTEXT(row.file) {
      const byte_buffer payload = payload_of(row.file);
      reader r(payload);
      request_header h;
      BOOST_TEST_REQUIRE(decode_request_header(r, h));
      BOOST_TEST(h.api_key == row.api_key);
      BOOST_TEST(h.api_version == row.api_version);
      BOOST_TEST(h.correlation_id == row.correlation_id);
      BOOST_TEST(h.client_id.value_or("-") == row.client_id);
      const size_t header_size = r.position();
      byte_buffer header_again;
      writer hw(header_again);
      encode_request_header(hw, h);
      BOOST_TEST((header_again == byte_buffer(payload.begin(), payload.begin() + header_size)));

      const api_info* api = find_api(h.api_key);
      BOOST_TEST_REQUIRE(api != nullptr);
      const auto* mc = case_named(std::string(api->name) + "Request");
      BOOST_TEST_REQUIRE(mc != nullptr);
      std::span<const uint8_t> body(payload.data() + header_size, payload.size() - header_size);
      msg::reencode_result res = mc->decode_reencode(body, h.api_version);
      BOOST_TEST(res.ok);
      BOOST_TEST((res.reencoded == byte_buffer(body.begin(), body.end())));
    }
  }
}

namespace {
template <class Msg>
Msg decode_body(const std::string& file) {
  const byte_buffer payload = payload_of(file);
  reader r(payload);
  request_header h;
  BOOST_TEST_REQUIRE(decode_request_header(r, h));
  Msg m;
  m.decode(r, h.api_version);
  BOOST_TEST(r.at_end());
  return m;
}
} // namespace

BOOST_AUTO_TEST_CASE(kcat_produce_carries_the_record_batch) {
  auto req = decode_body<msg::produce_request>("kcat_produce_v7.bin");
  BOOST_TEST(!req.transactional_id.has_value());
  BOOST_TEST_REQUIRE(req.topic_data.size() == 1u);
  BOOST_TEST(req.topic_data[0].name == "caudal-capture");
  BOOST_TEST_REQUIRE(req.topic_data[0].partition_data.size() == 1u);
  const auto& records = req.topic_data[0].partition_data[0].records;
  BOOST_TEST_REQUIRE(records.has_value());
  BOOST_TEST_REQUIRE(records->size() > 61u); // a v2 batch header is 61 bytes
  BOOST_TEST((*records)[16] == 2);           // magic
}

BOOST_AUTO_TEST_CASE(kcat_fetch_asks_for_offset_zero) {
  auto req = decode_body<msg::fetch_request>("kcat_fetch_v11.bin");
  BOOST_TEST(req.replica_id == -1);
  BOOST_TEST_REQUIRE(req.topics.size() == 1u);
  BOOST_TEST(req.topics[0].topic == "caudal-capture");
  BOOST_TEST_REQUIRE(req.topics[0].partitions.size() == 1u);
  BOOST_TEST(req.topics[0].partitions[0].partition == 0);
  BOOST_TEST(req.topics[0].partitions[0].fetch_offset == 0);
}
