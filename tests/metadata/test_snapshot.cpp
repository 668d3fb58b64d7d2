#define BOOST_TEST_MODULE metadata_snapshot
#include <boost/test/unit_test.hpp>

#include <random>

#include "metadata/snapshot.h"
#include "tests/metadata/fixtures.h"

using namespace caudal::metadata;
using namespace caudal::metadata::testing;

namespace {

/// An image with every kind of state: live, fenced and decommissioned
/// nodes, racks, topics with reassignments in flight, goals, configs.
image rich_image() {
  image img;
  rng gen(7);
  add_live_node(img, 1, "r1");
  add_live_node(img, 2, "r2");
  add_live_node(img, 3);
  add_live_node(img, 4, "r1");
  auto a = create_topic(img, "orders", 6, 3, gen);
  create_topic(img, "__consumer_offsets", 3, 2, gen);
  create_topic(img, "logs", 1, 1, gen);
  caudal::metadata::apply(img, fence_node{3});
  caudal::metadata::apply(img, decommission_node{4});
  caudal::metadata::apply(img, node_reg(5, std::nullopt, 42)); // registered, never unfenced
  caudal::metadata::apply(img, partition_change{a, 2, 4, 9, std::vector<node_id>{1, 2},
                                                std::vector<node_id>{1, 2, 4},
                                                std::vector<node_id>{4}, std::vector<node_id>{3}});
  caudal::metadata::apply(img, reassignment_goal{a, 2, {1, 2, 5}});
  caudal::metadata::apply(img, config_record{topic_resource, "orders", "retention.ms", "1000"});
  caudal::metadata::apply(img,
                          config_record{topic_resource, "orders", "cleanup.policy", "compact"});
  caudal::metadata::apply(img, config_record{broker_resource, "", "log.retention.hours", "1"});
  caudal::metadata::apply(img, config_record{broker_resource, "2", "log.retention.hours", "2"});
  BOOST_REQUIRE_EQUAL(img.topics.size(), 3u);
  return img;
}

std::vector<uint8_t> encode(const image& img, snapshot_id id = {1234, 5}) {
  auto b = encode_snapshot(img, id, 1000);
  return std::vector<uint8_t>(b.begin(), b.end());
}

} // namespace

BOOST_AUTO_TEST_CASE(image_records_rebuild_an_equal_image) {
  auto img = rich_image();
  image rebuilt;
  caudal::metadata::apply(rebuilt, image_records(img));
  BOOST_TEST((rebuilt == img));
  BOOST_TEST(rebuilt.nodes.at(3).fenced);
  BOOST_TEST(rebuilt.nodes.at(4).decommissioned);
  BOOST_TEST(!rebuilt.nodes.at(1).fenced);
}

BOOST_AUTO_TEST_CASE(a_snapshot_round_trips_with_its_id) {
  auto img = rich_image();
  auto bytes = encode(img, {98765, 12});
  auto snap = decode_snapshot(bytes);
  BOOST_REQUIRE_MESSAGE(snap.ok(), snap.error);
  BOOST_TEST((snap.value.id == snapshot_id{98765, 12}));
  BOOST_TEST((snap.value.img == img));
  auto id = peek_snapshot_id(bytes);
  BOOST_REQUIRE(id.ok());
  BOOST_TEST(id.value.end_offset == 98765);
}

BOOST_AUTO_TEST_CASE(an_empty_image_round_trips) {
  auto snap = decode_snapshot(encode(image{}, {10, 1}));
  BOOST_REQUIRE_MESSAGE(snap.ok(), snap.error);
  BOOST_TEST((snap.value.img == image{}));
}

BOOST_AUTO_TEST_CASE(a_large_image_spans_many_batches) {
  image img;
  rng gen(3);
  for (node_id n = 1; n <= 5; ++n) add_live_node(img, n);
  for (int t = 0; t < 40; ++t) create_topic(img, "t" + std::to_string(t), 50, 3, gen);
  auto bytes = encode(img);
  BOOST_TEST_MESSAGE("2,000 partitions (RF 3, 5 nodes): snapshot of " << bytes.size() << " bytes");
  auto snap = decode_snapshot(bytes);
  BOOST_REQUIRE_MESSAGE(snap.ok(), snap.error);
  BOOST_TEST((snap.value.img == img));
  BOOST_TEST(image_records(img).size() > 2000u); // several 512-record batches
}

BOOST_AUTO_TEST_CASE(damage_is_an_error_never_a_partial_image) {
  auto good = encode(rich_image());
  auto truncated = good;
  truncated.pop_back();
  BOOST_TEST(!decode_snapshot(truncated).ok());
  auto flipped = good;
  flipped[flipped.size() / 2] ^= 0x10;
  BOOST_TEST(decode_snapshot(flipped).error.find("CRC") != std::string::npos);
  auto bad_magic = good;
  bad_magic[0] = 'X';
  BOOST_TEST(!decode_snapshot(bad_magic).ok());
  auto bad_version = good;
  bad_version[9] = 7;
  BOOST_TEST(decode_snapshot(bad_version).error.find("version") != std::string::npos);
  BOOST_TEST(!decode_snapshot(std::vector<uint8_t>{}).ok());
}

BOOST_AUTO_TEST_CASE(fuzzed_snapshots_never_crash_and_a_decoded_one_matches_its_crc) {
  auto good = encode(rich_image());
  std::mt19937_64 gen(11);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    auto b = good;
    int edits = 1 + static_cast<int>(gen() % 4);
    for (int e = 0; e < edits; ++e) {
      auto at = gen() % b.size();
      switch (gen() % 3) {
      case 0:
        b[at] = static_cast<uint8_t>(gen());
        break;
      case 1:
        b.resize(at);
        break;
      default:
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(gen()));
      }
      if (b.empty()) b.push_back(0);
    }
    auto r = decode_snapshot(b);
    if (r.ok()) ++decoded; // only possible if the edits left the bytes equal
    if (r.ok()) BOOST_TEST((b == good));
  }
  BOOST_TEST(decoded < 20000);
}
