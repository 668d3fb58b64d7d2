// Every generated message, every version: random content round-trips byte for
// byte; every proper prefix of an encoding fails to decode; mutated encodings
// never crash and, when they decode, re-encode to a fixpoint.
#define BOOST_TEST_MODULE protocol_codec_roundtrip
#include <boost/test/unit_test.hpp>

#include "protocol/testing/roundtrip.h"

#include <iostream>
#include <string>

using namespace caudal::protocol;
using namespace caudal::protocol::msg;

namespace {

constexpr uint64_t k_base_seed = 0x6b61666b61ULL; // fixed, printed by the first test
constexpr uint64_t k_seeds_per_version = 8;

uint64_t case_seed(const message_case& mc, int16_t version, uint64_t i) {
  uint64_t h = k_base_seed;
  for (const char* p = mc.name; *p != '\0'; ++p) h = h * 131 + static_cast<uint8_t>(*p);
  return h ^ (static_cast<uint64_t>(version) << 32) ^ (i * 0x9e3779b97f4a7c15ULL);
}

std::string label(const message_case& mc, int16_t version, uint64_t seed) {
  return std::string(mc.name) + " v" + std::to_string(version) + " seed " + std::to_string(seed);
}

} // namespace

BOOST_AUTO_TEST_CASE(registry_covers_the_generated_messages) {
  std::cout << "protocol codec round trips: base seed " << k_base_seed << ", "
            << k_seeds_per_version << " seeds per version\n";
  size_t requests = 0, responses = 0, data = 0;
  for (const auto& mc : all_message_cases()) {
    std::string n = mc.name;
    if (n.ends_with("Request"))
      ++requests;
    else if (n.ends_with("Response"))
      ++responses;
    else
      ++data;
    BOOST_TEST(mc.min_version <= mc.max_version);
  }
  BOOST_TEST(requests == responses);
  BOOST_TEST(requests >= 80u); // every API a broker or controller serves
  BOOST_TEST(data >= 8u);      // ConsumerProtocolAssignment, ..., VotersRecord
}

BOOST_AUTO_TEST_CASE(random_messages_round_trip_byte_exact) {
  size_t runs = 0;
  for (const auto& mc : all_message_cases()) {
    for (int16_t v = mc.min_version; v <= mc.max_version; ++v) {
      for (uint64_t i = 0; i < k_seeds_per_version; ++i) {
        const uint64_t seed = case_seed(mc, v, i);
        test_rng g(seed);
        roundtrip_result res = mc.roundtrip(g, v);
        BOOST_TEST_CONTEXT(label(mc, v, seed)) {
          BOOST_TEST(res.decoded_ok);
          BOOST_TEST(res.consumed_all);
          BOOST_TEST(res.equal);
          BOOST_TEST(res.first == res.second);
        }
        ++runs;
      }
    }
  }
  std::cout << "round trips: " << runs << '\n';
  BOOST_TEST(runs > 1000u);
}

BOOST_AUTO_TEST_CASE(every_proper_prefix_fails_to_decode) {
  for (const auto& mc : all_message_cases()) {
    for (int16_t v = mc.min_version; v <= mc.max_version; ++v) {
      const uint64_t seed = case_seed(mc, v, 99);
      test_rng g(seed);
      const byte_buffer full = mc.roundtrip(g, v).first;
      BOOST_TEST_CONTEXT(label(mc, v, seed)) {
        BOOST_TEST(mc.decode_reencode(full, v).ok);
        bool all_prefixes_fail = true;
        for (size_t n = 0; n < full.size(); ++n) {
          if (mc.decode_reencode(std::span<const uint8_t>(full.data(), n), v).ok) {
            all_prefixes_fail = false;
            BOOST_TEST_MESSAGE("prefix of " << n << " bytes decoded");
          }
        }
        BOOST_TEST(all_prefixes_fail);
      }
    }
  }
}

// Flips random bytes of valid encodings. Whatever decodes must re-encode to a
// stable form: decode(encode(decode(x))) encodes to the same bytes again.
BOOST_AUTO_TEST_CASE(mutated_input_never_crashes_and_reencodes_stably) {
  size_t decoded = 0, rejected = 0;
  for (const auto& mc : all_message_cases()) {
    for (int16_t v = mc.min_version; v <= mc.max_version; ++v) {
      const uint64_t seed = case_seed(mc, v, 1234);
      test_rng g(seed);
      byte_buffer bytes = mc.roundtrip(g, v).first;
      for (int round = 0; round < 64 && !bytes.empty(); ++round) {
        byte_buffer mutated = bytes;
        for (size_t k = 0, n = 1 + g.count(3); k < n; ++k) {
          mutated[g.below(mutated.size())] = static_cast<uint8_t>(g.next());
        }
        reencode_result once = mc.decode_reencode(mutated, v);
        if (!once.ok) {
          ++rejected;
          continue;
        }
        ++decoded;
        reencode_result twice = mc.decode_reencode(once.reencoded, v);
        BOOST_TEST_CONTEXT(label(mc, v, seed) << " round " << round) {
          BOOST_TEST(twice.ok);
          BOOST_TEST(twice.reencoded == once.reencoded);
        }
      }
    }
  }
  std::cout << "mutations: " << decoded << " decoded, " << rejected << " rejected\n";
  BOOST_TEST(rejected > 0u);
}

// Pure garbage of every small length: decoding must fail or succeed cleanly.
BOOST_AUTO_TEST_CASE(random_garbage_never_crashes) {
  test_rng g(k_base_seed);
  size_t accepted = 0;
  for (const auto& mc : all_message_cases()) {
    for (int16_t v = mc.min_version; v <= mc.max_version; ++v) {
      for (size_t len = 0; len < 64; ++len) {
        byte_buffer junk(len);
        for (auto& b : junk) b = static_cast<uint8_t>(g.next());
        reencode_result res = mc.decode_reencode(junk, v);
        if (res.ok) {
          ++accepted;
          BOOST_TEST(mc.decode_reencode(res.reencoded, v).ok);
        }
      }
    }
  }
  std::cout << "garbage inputs accepted as valid: " << accepted << '\n';
}
