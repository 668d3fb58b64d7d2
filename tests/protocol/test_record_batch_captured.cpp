#define BOOST_TEST_MODULE record_batch_captured
#include <boost/test/unit_test.hpp>

// Record sets captured from real clients (kcat/librdkafka, confluent-kafka,
// kafka-python, kafkajs) by tests/data/batches/capture.py, checked against
// what those clients were told to send (tests/data/batches/expected.txt).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/record_batch.h"

using namespace caudal::protocol;
namespace fs = std::filesystem;

namespace caudal::protocol {
std::ostream& operator<<(std::ostream& os, batch_error e) { return os << to_string(e); }
} // namespace caudal::protocol

namespace {

#ifdef CAUDAL_TEST_DATA_DIR
const fs::path data_dir = fs::path(CAUDAL_TEST_DATA_DIR) / "batches";
#else
const fs::path data_dir = fs::path(__FILE__).parent_path() / ".." / "data" / "batches";
#endif

struct expected_record {
  std::optional<byte_buffer> key, value;
  std::optional<int64_t> timestamp;
  std::vector<record_header> headers;
};

struct expected_file {
  std::string name;
  std::string codec;
  std::string outcome; // "valid" or a batch_error name
  std::optional<int64_t> producer_id;
  std::vector<expected_record> records;
};

byte_buffer pattern_bytes(size_t n) {
  byte_buffer b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 31 + 7) % 251);
  return b;
}

// "-" is null, "pattern:<n>" the generated long value, otherwise hex.
std::optional<byte_buffer> parse_value(const std::string& s) {
  if (s == "-") return std::nullopt;
  if (s.rfind("pattern:", 0) == 0) return pattern_bytes(std::stoul(s.substr(8)));
  byte_buffer b;
  for (size_t i = 0; i + 1 < s.size(); i += 2)
    b.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

void parse_record_token(const std::string& tok, expected_record& r) {
  auto eq = tok.find('=');
  auto name = tok.substr(0, eq), value = tok.substr(eq + 1);
  if (name == "key") r.key = parse_value(value);
  if (name == "value") r.value = parse_value(value);
  if (name == "ts") r.timestamp = std::stoll(value);
  if (name == "header") {
    auto colon = value.find(':');
    auto key = parse_value(value.substr(0, colon));
    r.headers.push_back(
        {std::string(key->begin(), key->end()), parse_value(value.substr(colon + 1))});
  }
}

std::vector<expected_file> load_manifest() {
  std::ifstream in(data_dir / "expected.txt");
  BOOST_TEST_REQUIRE(in.good(), "missing " << (data_dir / "expected.txt"));
  std::vector<expected_file> files;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string kind, tok;
    ls >> kind;
    if (kind == "batch") {
      expected_file f;
      ls >> f.name >> f.codec >> f.outcome;
      while (ls >> tok)
        if (tok.rfind("producer_id=", 0) == 0) f.producer_id = std::stoll(tok.substr(12));
      files.push_back(std::move(f));
    } else if (kind == "record") {
      BOOST_TEST_REQUIRE(!files.empty());
      expected_record r;
      while (ls >> tok) parse_record_token(tok, r);
      files.back().records.push_back(std::move(r));
    }
  }
  return files;
}

byte_buffer read_file(const std::string& name) {
  std::ifstream in(data_dir / name, std::ios::binary);
  BOOST_TEST_REQUIRE(in.good(), "missing " << name);
  return byte_buffer(std::istreambuf_iterator<char>(in), {});
}

struct decoded_record {
  record rec;
  int64_t timestamp;
};

// Splits, validates and decodes every batch of a record set.
std::vector<decoded_record> decode_all(const expected_file& f, const byte_buffer& set) {
  std::vector<batch_span> spans;
  BOOST_TEST_REQUIRE(split_batches(set, spans) == batch_error::none);
  BOOST_TEST_REQUIRE(!spans.empty());
  std::vector<decoded_record> out;
  for (const auto& s : spans) {
    auto batch = std::span(set).subspan(s.position, s.size());
    BOOST_TEST_REQUIRE(validate_batch(batch) == batch_error::none);
    BOOST_TEST(to_string(s.header.compression()) == f.codec);
    if (f.producer_id) {
      BOOST_TEST(s.header.producer_id == *f.producer_id);
      BOOST_TEST(s.header.base_sequence == static_cast<int32_t>(out.size()));
    }
    std::vector<record> records;
    BOOST_TEST_REQUIRE(decode_records(batch, records) == batch_error::none);
    BOOST_TEST(records.size() == static_cast<size_t>(s.header.records_count));
    for (auto& r : records) {
      int64_t ts = s.header.base_timestamp + r.timestamp_delta;
      out.push_back({std::move(r), ts});
    }
  }
  return out;
}

void check_file(const expected_file& f) {
  auto set = read_file(f.name);
  if (f.outcome != "valid") {
    std::vector<batch_span> spans;
    BOOST_TEST(to_string(split_batches(set, spans)) == f.outcome);
    return;
  }
  auto got = decode_all(f, set);
  BOOST_TEST_REQUIRE(got.size() == f.records.size());
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST_CONTEXT("record " << i) {
      const auto& want = f.records[i];
      BOOST_TEST((got[i].rec.key == want.key));
      BOOST_TEST((got[i].rec.value == want.value));
      BOOST_TEST((got[i].rec.headers == want.headers));
      if (want.timestamp) BOOST_TEST(got[i].timestamp == *want.timestamp);
    }
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(every_captured_record_set_decodes_to_what_was_sent) {
  auto files = load_manifest();
  BOOST_TEST_REQUIRE(files.size() >= 10u);
  for (const auto& f : files) BOOST_TEST_CONTEXT(f.name) {
      check_file(f);
    }
}

BOOST_AUTO_TEST_CASE(captured_batches_detect_corruption) {
  for (const auto& f : load_manifest()) {
    if (f.outcome != "valid") continue;
    auto set = read_file(f.name);
    std::vector<batch_span> spans;
    BOOST_TEST_REQUIRE(split_batches(set, spans) == batch_error::none);
    auto batch = std::span(set).subspan(spans[0].position, spans[0].size());
    batch[batch.size() / 2 + 30] ^= 0x01; // past the header: always inside the CRC range
    BOOST_TEST(validate_batch(batch) == batch_error::crc_mismatch, f.name);
  }
}

// The leader's in-place rewrites keep client batches valid.
BOOST_AUTO_TEST_CASE(captured_batches_survive_leader_rewrites) {
  for (const auto& f : load_manifest()) {
    if (f.outcome != "valid") continue;
    auto set = read_file(f.name);
    std::vector<batch_span> spans;
    BOOST_TEST_REQUIRE(split_batches(set, spans) == batch_error::none);
    auto batch = std::span(set).subspan(spans[0].position, spans[0].size());
    set_base_offset(batch, 500);
    set_partition_leader_epoch(batch, 3);
    set_max_timestamp_and_log_append_time(batch, 1'800'000'000'000);
    BOOST_TEST(validate_batch(batch) == batch_error::none, f.name);
    auto h = *read_batch_header(batch);
    BOOST_TEST(h.base_offset == 500);
    BOOST_TEST(h.log_append_time());
  }
}
