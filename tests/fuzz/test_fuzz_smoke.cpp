#define BOOST_TEST_MODULE fuzz_smoke
#include <boost/test/unit_test.hpp>

// Runs the fuzz entry points over 20k deterministic mutations of a seed
// corpus (builder-made batches and the captured client batches), so every
// ctest run exercises them without libFuzzer. A broken invariant or a crash
// aborts the test.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/headers.h"
#include "protocol/messages/testing/fill.h"
#include "protocol/record_builder.h"
#include "tests/fuzz/fuzz_entry.h"
#include "tests/fuzz/mutator.h"

using namespace caudal::protocol;
namespace msg = caudal::protocol::msg;
namespace fs = std::filesystem;

namespace {

constexpr int mutations = 20000;

std::vector<byte_buffer> builder_corpus() {
  std::vector<byte_buffer> out;
  for (auto c : {compression_type::none, compression_type::gzip, compression_type::snappy,
                 compression_type::lz4, compression_type::zstd}) {
    batch_builder b;
    b.compression(c).producer(7, 1, 0);
    std::vector<record_header> headers = {{"h", byte_buffer{'v'}}, {"n", std::nullopt}};
    b.add_text(100, "key", "value", headers);
    b.add_text(90, std::nullopt, "v2");
    b.add_text(120, "k3", std::nullopt);
    out.push_back(b.build());
  }
  out.push_back(build_control_batch(control_type::commit, 7, 1, 3, 500));
  byte_buffer two = out[0];
  two.insert(two.end(), out[3].begin(), out[3].end());
  out.push_back(two);
  return out;
}

std::vector<byte_buffer> captured_corpus() {
  std::vector<byte_buffer> out;
  auto dir = fs::path(__FILE__).parent_path() / ".." / "data" / "batches";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".bin" || entry.file_size() > 16384) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// A frame payload: request header, then `body` at the header's version.
template <class M>
byte_buffer request_payload(const M& body, int16_t version) {
  byte_buffer out;
  writer w(out);
  request_header h;
  h.api_key = M::api_key;
  h.api_version = version;
  h.correlation_id = 17;
  h.client_id = "fuzz";
  encode_request_header(w, h);
  body.encode(w, version);
  return out;
}

// Random messages (the codec's own test filler) at three versions each.
template <class M>
void add_random_requests(std::vector<byte_buffer>& out, test_rng& g) {
  for (int16_t v : {M::min_version, static_cast<int16_t>((M::min_version + M::max_version) / 2),
                    M::max_version}) {
    M m;
    msg::fill_random(g, m, v);
    out.push_back(request_payload(m, v));
  }
}

std::vector<byte_buffer> frame_corpus(const std::vector<byte_buffer>& batches) {
  std::vector<byte_buffer> out;
  test_rng g(99);
  add_random_requests<msg::produce_request>(out, g);
  add_random_requests<msg::fetch_request>(out, g);
  add_random_requests<msg::metadata_request>(out, g);
  add_random_requests<msg::api_versions_request>(out, g);
  add_random_requests<msg::list_offsets_request>(out, g);
  add_random_requests<msg::offset_commit_request>(out, g);
  add_random_requests<msg::join_group_request>(out, g);
  add_random_requests<msg::create_topics_request>(out, g);
  add_random_requests<msg::init_producer_id_request>(out, g);
  add_random_requests<msg::txn_offset_commit_request>(out, g);
  for (int16_t v : {3, 7, 9, 11}) { // produce requests carrying real batches
    msg::produce_request p;
    p.acks = -1;
    p.timeout_ms = 30000;
    auto& topic = p.topic_data.emplace_back();
    topic.name = "orders";
    for (size_t i = 0; i < batches.size() && i < 3; ++i) {
      auto& part = topic.partition_data.emplace_back();
      part.index = static_cast<int32_t>(i);
      part.records = batches[i];
    }
    out.push_back(request_payload(p, v));
  }
  return out;
}

template <class Entry>
void run_mutations(const std::vector<byte_buffer>& corpus, uint64_t seed, Entry entry) {
  caudal::fuzz::mutator m(seed);
  for (const auto& seed_input : corpus) entry(seed_input); // the seeds themselves
  for (int i = 0; i < mutations; ++i) {
    const auto& base = corpus[m.below(corpus.size())];
    const auto& other = corpus[m.below(corpus.size())];
    entry(m.mutate(base, other));
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(batch_decoders_survive_mutations) {
  auto corpus = builder_corpus();
  auto captured = captured_corpus();
  BOOST_TEST_REQUIRE(captured.size() >= 10u);
  corpus.insert(corpus.end(), captured.begin(), captured.end());
  int accepted = 0, rejected = 0;
  run_mutations(corpus, 0xC0FFEE, [&](const byte_buffer& in) {
    (caudal::fuzz::batch_one_input(in) > 0 ? accepted : rejected)++;
  });
  // Both paths must be exercised: mutations that still decode (so the
  // round-trip invariants run) and ones the validator rejects.
  BOOST_TEST_MESSAGE("accepted " << accepted << ", rejected " << rejected);
  BOOST_TEST(accepted > mutations / 20);
  BOOST_TEST(rejected > mutations / 20);
}

BOOST_AUTO_TEST_CASE(request_decoders_survive_mutations) {
  auto corpus = frame_corpus(builder_corpus());
  int decoded = 0, rejected = 0;
  run_mutations(corpus, 0xF00D, [&](const byte_buffer& in) {
    (caudal::fuzz::frame_one_input(in) > 0 ? decoded : rejected)++;
  });
  BOOST_TEST_MESSAGE("decoded " << decoded << ", rejected " << rejected);
  BOOST_TEST(decoded > mutations / 20);
  BOOST_TEST(rejected > mutations / 20);
}
