// Message bodies encoded by an independent codec (kafka-python, see
// tests/data/frames/kafka_python_golden.py): the generated codec must decode
// each completely and re-encode it byte for byte.
#define BOOST_TEST_MODULE protocol_golden_bodies
#include <boost/test/unit_test.hpp>

#include "protocol/testing/roundtrip.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

using namespace caudal::protocol;

namespace {

const std::string k_dir = std::string(CAUDAL_TEST_DATA_DIR) + "/frames/golden/";

struct golden {
  std::string sample;
  std::string message;
  int16_t version = 0;
  size_t offset = 0;
  size_t length = 0;
};

std::vector<golden> read_manifest() {
  std::ifstream in(k_dir + "kafka_python.tsv");
  std::vector<golden> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    golden g;
    ss >> g.sample >> g.message >> g.version >> g.offset >> g.length;
    rows.push_back(g);
  }
  return rows;
}

const msg::message_case* case_named(const std::string& name) {
  for (const auto& mc : msg::all_message_cases()) {
    if (name == mc.name) return &mc;
  }
  return nullptr;
}

} // namespace

BOOST_AUTO_TEST_CASE(kafka_python_bodies_decode_and_reencode_exactly) {
  auto rows = read_manifest();
  BOOST_TEST(rows.size() >= 300u);
  std::ifstream in(k_dir + "kafka_python.bin", std::ios::binary);
  const byte_buffer blob{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const auto& g : rows) {
    BOOST_TEST_CONTEXT(g.sample << " (" << g.message << " v" << g.version << ")") {
      BOOST_TEST_REQUIRE(g.offset + g.length <= blob.size());
      const byte_buffer body(blob.begin() + static_cast<std::ptrdiff_t>(g.offset),
                             blob.begin() + static_cast<std::ptrdiff_t>(g.offset + g.length));
      const auto* mc = case_named(g.message);
      BOOST_TEST_REQUIRE(mc != nullptr);
      msg::reencode_result res = mc->decode_reencode(body, g.version);
      BOOST_TEST(res.ok);
      BOOST_TEST((res.reencoded == body));
    }
  }
}
