#define BOOST_TEST_MODULE metadata_records
#include <boost/test/unit_test.hpp>

#include <climits>
#include <random>
#include <set>

#include "metadata/records.h"
#include "protocol/record_batch.h"
#include "protocol/record_builder.h"

using namespace caudal::metadata;
using caudal::protocol::byte_buffer;

namespace {

uuid make_uuid(uint8_t seed) {
  uuid u{};
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(seed + i * 17);
  return u;
}

/// Every record type, each with ordinary and edge values.
std::vector<record> samples() {
  std::string long_text(70000, 'x'); // longer than an int16 length could carry
  return {
      register_node{1, 7, "broker-1.local", 9092, "10.0.0.1", 19092, std::string("rack-a")},
      register_node{INT32_MAX, UINT64_MAX, "", 0, "", 65535, std::nullopt},
      register_node{-1, 0, "h", 1, "p", 2, std::string("")},
      fence_node{3},
      fence_node{INT32_MIN},
      unfence_node{0},
      decommission_node{INT32_MAX},
      topic_record{"orders", make_uuid(1), false},
      topic_record{"", uuid{}, true},
      partition_record{make_uuid(2), 0, {1, 2, 3}, 1, 5, {1, 2}, {}, {}},
      partition_record{make_uuid(3), INT32_MAX, {}, no_leader, INT32_MIN, {}, {4}, {1, 2}},
      partition_change{make_uuid(4), 3, std::nullopt, 9, std::nullopt, std::nullopt, std::nullopt,
                       std::nullopt},
      partition_change{make_uuid(5), 0, no_leader, 0, std::vector<node_id>{},
                       std::vector<node_id>{1}, std::vector<node_id>{},
                       std::vector<node_id>{INT32_MIN}},
      partition_change{make_uuid(6), 1, 2, INT32_MAX, std::vector<node_id>{2, 3},
                       std::vector<node_id>{1, 2, 3, 4}, std::vector<node_id>{4},
                       std::vector<node_id>{1}},
      config_record{topic_resource, "orders", "retention.ms", std::string("1000")},
      config_record{broker_resource, "", "log.retention.hours", std::nullopt},
      config_record{broker_resource, "2", "k", long_text},
      config_record{-7, "", "", std::string("")},
      remove_topic{make_uuid(9)},
      reassignment_goal{make_uuid(10), 2, {3, 1, 2}},
      reassignment_goal{make_uuid(11), 0, {}},
  };
}

bool round_trips(const record& r) {
  auto key = encode_key(r);
  auto value = encode_value(r);
  auto back = decode_record(key, value);
  return back.ok() && back.value == r;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_type_round_trips) {
  auto all = samples();
  std::set<size_t> kinds;
  for (const auto& r : all) {
    BOOST_TEST(round_trips(r), "type " << static_cast<int>(type_of(r)));
    kinds.insert(r.index());
  }
  BOOST_TEST(kinds.size() == std::variant_size_v<record>);
}

BOOST_AUTO_TEST_CASE(key_carries_type_and_version) {
  auto key = encode_key(partition_change{});
  BOOST_TEST(key == (byte_buffer{0, 7, 0, 0}), boost::test_tools::per_element());
  auto value = encode_value(fence_node{1});
  BOOST_TEST(!decode_record(byte_buffer{0, 2, 0, 1}, value).ok());  // version 1
  BOOST_TEST(!decode_record(byte_buffer{0, 0, 0, 0}, value).ok());  // type 0
  BOOST_TEST(!decode_record(byte_buffer{0, 11, 0, 0}, value).ok()); // type 11
  BOOST_TEST(!decode_record(byte_buffer{0, 2, 0}, value).ok());
  BOOST_TEST(!decode_record(byte_buffer{0, 2, 0, 0, 0}, value).ok());
  BOOST_TEST(decode_record(byte_buffer{0, 2, 0, 0}, value).ok());
}

BOOST_AUTO_TEST_CASE(batch_round_trips_and_skips_control_batches) {
  auto all = samples();
  auto batch = encode_batch(all, 1234);
  auto marker = caudal::protocol::build_control_batch(caudal::protocol::control_type::commit, 1, 0,
                                                      0, 1234, 100);
  byte_buffer set = marker;
  set.insert(set.end(), batch.begin(), batch.end());
  set.insert(set.end(), marker.begin(), marker.end());
  set.insert(set.end(), batch.begin(), batch.end());
  auto back = decode_batch(set);
  BOOST_REQUIRE_MESSAGE(back.ok(), back.error);
  BOOST_REQUIRE(back.value.size() == 2 * all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST((back.value[i] == all[i]));
    BOOST_TEST((back.value[all.size() + i] == all[i]));
  }
  BOOST_TEST(decode_batch({}).ok());
  BOOST_TEST(decode_batch({}).value.empty());
}

BOOST_AUTO_TEST_CASE(every_truncated_batch_fails) {
  auto all = samples();
  std::vector<record> few(all.begin(), all.begin() + 12); // small: without the 70k string
  auto batch = encode_batch(few, 5);
  for (size_t n = 1; n < batch.size(); ++n) {
    auto r = decode_batch(std::span<const uint8_t>(batch.data(), n));
    BOOST_TEST(!r.ok(), "prefix " << n << " of " << batch.size());
  }
}

BOOST_AUTO_TEST_CASE(every_truncated_value_fails) {
  for (const auto& r : samples()) {
    auto key = encode_key(r);
    auto value = encode_value(r);
    if (value.size() > 5000) value.resize(5000); // the 70k string: its prefixes all fail alike
    for (size_t n = 0; n < value.size(); ++n)
      BOOST_TEST(!decode_record(key, std::span<const uint8_t>(value.data(), n)).ok());
    auto longer = encode_value(r);
    longer.push_back(0);
    BOOST_TEST(!decode_record(key, longer).ok(), "trailing byte accepted");
  }
}

BOOST_AUTO_TEST_CASE(invalid_bool_and_lengths_fail) {
  auto value = encode_value(topic_record{"a", uuid{}, true});
  value.back() = 2; // booleans are 0 or 1 only
  BOOST_TEST(!decode_record(encode_key(topic_record{}), value).ok());
  byte_buffer huge_array{0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff}; // 2^31-1 replicas claimed
  byte_buffer v(16, 0);
  v.insert(v.end(), huge_array.begin(), huge_array.end());
  BOOST_TEST(!decode_record(encode_key(partition_record{}), v).ok());
}

/// Random keys/values, and mutations of real encodings, must decode or fail
/// without crashing; whatever decodes must re-encode to an equal record.
BOOST_AUTO_TEST_CASE(random_bytes_fuzz) {
  std::mt19937_64 gen(20261126);
  auto all = samples();
  int decoded = 0;
  for (int i = 0; i < 30000; ++i) {
    const auto& base = all[gen() % all.size()];
    byte_buffer key = encode_key(base);
    byte_buffer value = encode_value(base);
    if (value.size() > 4096) value.resize(4096);
    if (i % 3 == 0) { // pure noise of random length
      value.resize(gen() % 64);
      for (auto& b : value) b = static_cast<uint8_t>(gen());
    } else { // a few flipped, inserted or dropped bytes
      for (int m = 0, ms = 1 + static_cast<int>(gen() % 4); m < ms && !value.empty(); ++m) {
        size_t at = gen() % value.size();
        switch (gen() % 3) {
        case 0:
          value[at] = static_cast<uint8_t>(gen());
          break;
        case 1:
          value.insert(value.begin() + static_cast<long>(at), static_cast<uint8_t>(gen()));
          break;
        default:
          value.erase(value.begin() + static_cast<long>(at));
          break;
        }
      }
    }
    if (i % 7 == 0) key[1] = static_cast<uint8_t>(gen() % 12);
    auto r = decode_record(key, value);
    if (!r.ok()) continue;
    ++decoded;
    BOOST_TEST(round_trips(r.value));
  }
  BOOST_TEST_MESSAGE("decoded " << decoded << " of 30000 fuzzed records");
  BOOST_TEST(decoded > 0);
}

/// Whole batches: random bytes and mutated batches (CRC fixed up so the
/// mutation reaches the record decoder) never crash decode_batch.
BOOST_AUTO_TEST_CASE(random_batch_fuzz) {
  std::mt19937_64 gen(7);
  auto all = samples();
  std::vector<record> few(all.begin(), all.begin() + 12);
  auto good = encode_batch(few, 1);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    byte_buffer b = good;
    if (i % 4 == 0) {
      b.resize(gen() % 200);
      for (auto& x : b) x = static_cast<uint8_t>(gen());
    } else {
      size_t at = caudal::protocol::batch_header_size +
                  gen() % (b.size() - caudal::protocol::batch_header_size);
      b[at] = static_cast<uint8_t>(gen());
      caudal::protocol::update_batch_crc(b);
    }
    auto r = decode_batch(b);
    if (!r.ok()) continue;
    ++accepted;
    auto again = decode_batch(encode_batch(r.value, 1));
    BOOST_TEST((again.ok() && again.value == r.value));
  }
  BOOST_TEST(accepted > 0);
  BOOST_TEST_MESSAGE("accepted " << accepted << " of 20000 fuzzed batches");
}
