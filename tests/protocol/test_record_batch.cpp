#define BOOST_TEST_MODULE record_batch
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

#include "protocol/crc32c.h"
#include "protocol/record_batch.h"
#include "protocol/record_builder.h"

using namespace caudal::protocol;

namespace caudal::protocol {
// Lets BOOST_TEST print errors by name.
std::ostream& operator<<(std::ostream& os, batch_error e) { return os << to_string(e); }
} // namespace caudal::protocol

namespace {

const compression_type codecs[] = {compression_type::none, compression_type::gzip,
                                   compression_type::snappy, compression_type::lz4,
                                   compression_type::zstd};

byte_buffer bytes(std::string_view s) { return byte_buffer(s.begin(), s.end()); }

// Three records exercising null key, null value, headers with a null value
// and timestamps that go backwards (negative delta).
batch_builder sample_builder(compression_type c) {
  batch_builder b;
  b.compression(c).producer(1234, 5, 77);
  std::vector<record_header> headers = {{"trace", bytes("abc")}, {"empty", std::nullopt}};
  b.add_text(1000, "k0", "v0", headers);
  b.add_text(990, std::nullopt, "value without key");
  b.add_text(1010, "k2", std::nullopt);
  return b;
}

std::vector<record> sample_records() {
  std::vector<record> r(3);
  r[0] = {0, 0, 0, bytes("k0"), bytes("v0"), {{"trace", bytes("abc")}, {"empty", std::nullopt}}};
  r[1] = {0, -10, 1, std::nullopt, bytes("value without key"), {}};
  r[2] = {0, 10, 2, bytes("k2"), std::nullopt, {}};
  return r;
}

// Patches a header field (big-endian) and fixes the CRC, to test checks past the CRC.
void patch_i32_and_crc(byte_buffer& batch, size_t at, int32_t v) {
  writer(batch).patch_i32(at, v);
  update_batch_crc(batch);
}

} // namespace

BOOST_AUTO_TEST_CASE(round_trip_every_codec) {
  for (auto c : codecs) {
    BOOST_TEST_CONTEXT(to_string(c)) {
      auto batch = sample_builder(c).build();
      BOOST_TEST_REQUIRE(!batch.empty());
      BOOST_TEST(to_string(validate_batch(batch)) == std::string("none"));
      auto h = read_batch_header(batch);
      BOOST_TEST_REQUIRE(h.has_value());
      BOOST_TEST(h->total_size() == batch.size());
      BOOST_TEST((h->compression() == c));
      BOOST_TEST(h->magic == 2);
      BOOST_TEST(h->records_count == 3);
      BOOST_TEST(h->last_offset_delta == 2);
      BOOST_TEST(h->base_timestamp == 1000);
      BOOST_TEST(h->max_timestamp == 1010);
      BOOST_TEST(h->producer_id == 1234);
      BOOST_TEST(h->producer_epoch == 5);
      BOOST_TEST(h->base_sequence == 77);
      BOOST_TEST(h->partition_leader_epoch == -1);
      BOOST_TEST(!h->is_transactional());
      BOOST_TEST(!h->is_control());
      BOOST_TEST(!h->log_append_time());
      BOOST_TEST(h->crc == crc32c(std::span(batch).subspan(attributes_offset)));
      std::vector<record> out;
      BOOST_TEST_REQUIRE(decode_records(batch, out) == batch_error::none);
      BOOST_TEST((out == sample_records()));
    }
  }
}

BOOST_AUTO_TEST_CASE(large_compressed_batch_round_trips) {
  for (auto c : codecs) {
    batch_builder b;
    b.compression(c);
    std::string value(1024, 'x');
    for (int i = 0; i < 2000; ++i) b.add_text(5000 + i, "key-" + std::to_string(i), value);
    auto batch = b.build();
    BOOST_TEST(validate_batch(batch) == batch_error::none);
    std::vector<record> out;
    BOOST_TEST_REQUIRE(decode_records(batch, out) == batch_error::none);
    BOOST_TEST_REQUIRE(out.size() == 2000u);
    BOOST_TEST((out[1999].key == bytes("key-1999")));
    BOOST_TEST(out[1999].timestamp_delta == 1999);
    if (c != compression_type::none) BOOST_TEST(batch.size() < b.records_size() / 4);
  }
}

BOOST_AUTO_TEST_CASE(empty_builder_yields_an_empty_valid_batch) {
  auto batch = batch_builder().build();
  BOOST_TEST(batch.size() == batch_header_size);
  BOOST_TEST(validate_batch(batch) == batch_error::none);
  auto h = *read_batch_header(batch);
  BOOST_TEST(h.records_count == 0);
  BOOST_TEST(h.base_timestamp == -1);
  std::vector<record> out;
  BOOST_TEST(decode_records(batch, out) == batch_error::none);
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(builder_clear_reuses_settings) {
  auto b = sample_builder(compression_type::lz4);
  b.clear();
  BOOST_TEST(b.empty());
  b.add_text(42, "a", "b");
  auto batch = b.build();
  auto h = *read_batch_header(batch);
  BOOST_TEST(h.records_count == 1);
  BOOST_TEST(h.base_timestamp == 42);
  BOOST_TEST((h.compression() == compression_type::lz4));
  BOOST_TEST(h.producer_id == 1234);
  BOOST_TEST(validate_batch(batch) == batch_error::none);
}

BOOST_AUTO_TEST_CASE(crc_corruption_is_detected_everywhere_in_its_range) {
  for (auto c : codecs) {
    auto batch = sample_builder(c).build();
    for (size_t i = crc_offset; i < batch.size(); ++i) {
      auto copy = batch;
      copy[i] ^= 0x10;
      BOOST_TEST_REQUIRE(validate_batch(copy) == batch_error::crc_mismatch, "byte " << i);
      std::vector<record> out;
      BOOST_TEST_REQUIRE(decode_records(copy, out) == batch_error::crc_mismatch);
    }
  }
}

BOOST_AUTO_TEST_CASE(offset_and_leader_epoch_are_outside_the_crc) {
  auto batch = sample_builder(compression_type::none).build();
  set_base_offset(batch, 1'000'000'007);
  set_partition_leader_epoch(batch, 12);
  BOOST_TEST(validate_batch(batch) == batch_error::none);
  auto h = *read_batch_header(batch);
  BOOST_TEST(h.base_offset == 1'000'000'007);
  BOOST_TEST(h.last_offset() == 1'000'000'009);
  BOOST_TEST(h.partition_leader_epoch == 12);
}

BOOST_AUTO_TEST_CASE(log_append_time_rewrite_keeps_the_batch_valid) {
  auto batch = sample_builder(compression_type::zstd).build();
  set_max_timestamp_and_log_append_time(batch, 777777);
  BOOST_TEST(validate_batch(batch) == batch_error::none);
  auto h = *read_batch_header(batch);
  BOOST_TEST(h.log_append_time());
  BOOST_TEST(h.max_timestamp == 777777);
  BOOST_TEST((h.compression() == compression_type::zstd));
  BOOST_TEST(h.producer_id == 1234);
}

BOOST_AUTO_TEST_CASE(every_truncation_is_reported) {
  auto batch = sample_builder(compression_type::none).build();
  for (size_t n = 0; n < batch.size(); ++n) {
    std::span<const uint8_t> prefix(batch.data(), n);
    BOOST_TEST_REQUIRE(validate_batch(prefix) == batch_error::truncated, "len " << n);
    std::vector<batch_span> spans;
    BOOST_TEST_REQUIRE(split_batches(prefix, spans) ==
                       (n == 0 ? batch_error::none : batch_error::truncated));
  }
  BOOST_TEST(!read_batch_header(std::span(batch).first(60)).has_value());
  auto longer = batch;
  longer.push_back(0);
  BOOST_TEST(validate_batch(longer) == batch_error::invalid_length);
}

BOOST_AUTO_TEST_CASE(wrong_magic_is_unsupported) {
  for (int8_t magic : {0, 1, 3, -1}) {
    auto batch = sample_builder(compression_type::none).build();
    batch[magic_offset] = static_cast<uint8_t>(magic);
    BOOST_TEST(validate_batch(batch) == batch_error::unsupported_magic);
    std::vector<batch_span> spans;
    BOOST_TEST(split_batches(batch, spans) == batch_error::unsupported_magic);
  }
  // A real magic-1 message set entry: offset, size, crc, magic 1, attrs, ts, key, value.
  byte_buffer v1;
  writer w(v1);
  w.i64(0);
  w.i32(22);
  w.u32(0xdeadbeef);
  w.i8(1);
  w.i8(0);
  w.i64(123);
  w.i32(-1);
  w.i32(1);
  w.u8('x');
  std::vector<batch_span> spans;
  BOOST_TEST(split_batches(v1, spans) == batch_error::unsupported_magic);
  BOOST_TEST(validate_batch(v1) == batch_error::unsupported_magic);
}

BOOST_AUTO_TEST_CASE(short_batch_length_is_invalid) {
  auto batch = sample_builder(compression_type::none).build();
  writer(batch).patch_i32(batch_length_offset, 48);
  BOOST_TEST(validate_batch(batch) == batch_error::invalid_length);
  std::vector<batch_span> spans;
  BOOST_TEST(split_batches(batch, spans) == batch_error::invalid_length);
  writer(batch).patch_i32(batch_length_offset, -5);
  BOOST_TEST(split_batches(batch, spans) == batch_error::invalid_length);
}

BOOST_AUTO_TEST_CASE(record_count_must_match_the_records) {
  for (auto c : codecs) {
    for (int32_t count : {2, 4, -1, 1'000'000}) {
      auto batch = sample_builder(c).build();
      patch_i32_and_crc(batch, last_offset_delta_offset, count > 0 ? count - 1 : 0);
      patch_i32_and_crc(batch, records_count_offset, count);
      BOOST_TEST(validate_batch(batch) == batch_error::invalid_record_count, count);
      std::vector<record> out;
      BOOST_TEST(decode_records(batch, out) == batch_error::invalid_record_count);
      BOOST_TEST(out.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(last_offset_delta_must_match_the_count) {
  for (int32_t delta : {1, 3, -1}) {
    auto batch = sample_builder(compression_type::gzip).build();
    patch_i32_and_crc(batch, last_offset_delta_offset, delta);
    BOOST_TEST(validate_batch(batch) == batch_error::invalid_offset_delta);
  }
}

BOOST_AUTO_TEST_CASE(record_offset_deltas_must_be_contiguous) {
  // Hand-written records with deltas 0, 2 (as after compaction): decodable,
  // but not acceptable from a producer.
  byte_buffer records;
  writer w(records);
  for (int32_t delta : {0, 2}) {
    byte_buffer body;
    writer b(body);
    b.i8(0);
    b.varlong(0);
    b.varint(delta);
    b.varint(-1);
    b.varint(1);
    b.u8('v');
    b.varint(0);
    w.varint(static_cast<int32_t>(body.size()));
    w.raw(body);
  }
  auto batch = batch_builder().build(); // an empty batch's header, then fix it up
  batch.insert(batch.end(), records.begin(), records.end());
  writer(batch).patch_i32(batch_length_offset, static_cast<int32_t>(batch.size() - 12));
  patch_i32_and_crc(batch, records_count_offset, 2);
  patch_i32_and_crc(batch, last_offset_delta_offset, 1);
  BOOST_TEST(validate_batch(batch) == batch_error::invalid_offset_delta);
  std::vector<record> out;
  BOOST_TEST_REQUIRE(decode_records(batch, out) == batch_error::none);
  BOOST_TEST(out.size() == 2u);
  BOOST_TEST(out[1].offset_delta == 2);
}

BOOST_AUTO_TEST_CASE(unsupported_compression_bits) {
  auto batch = sample_builder(compression_type::none).build();
  batch[attributes_offset + 1] |= 0x05;
  update_batch_crc(batch);
  BOOST_TEST(validate_batch(batch) == batch_error::unsupported_compression);
}

BOOST_AUTO_TEST_CASE(compressed_bomb_is_rejected) {
  batch_builder b;
  b.compression(compression_type::zstd);
  b.add_text(0, std::nullopt, std::string(8 << 20, 'z'));
  auto batch = b.build();
  BOOST_TEST(batch.size() < 4096u);
  BOOST_TEST(validate_batch(batch, 1 << 20) == batch_error::decompression_failed);
  BOOST_TEST(validate_batch(batch, 16 << 20) == batch_error::none);
}

BOOST_AUTO_TEST_CASE(corrupt_compressed_payload_is_reported) {
  auto batch = sample_builder(compression_type::lz4).build();
  batch[batch_header_size + 8] ^= 0xff; // inside the lz4 frame
  update_batch_crc(batch);
  BOOST_TEST(validate_batch(batch) == batch_error::decompression_failed);
}

BOOST_AUTO_TEST_CASE(split_finds_every_batch) {
  byte_buffer set;
  std::vector<size_t> sizes;
  for (auto c : codecs) {
    auto batch = sample_builder(c).build();
    sizes.push_back(batch.size());
    set.insert(set.end(), batch.begin(), batch.end());
  }
  std::vector<batch_span> spans;
  BOOST_TEST_REQUIRE(split_batches(set, spans) == batch_error::none);
  BOOST_TEST_REQUIRE(spans.size() == 5u);
  size_t pos = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    BOOST_TEST(spans[i].position == pos);
    BOOST_TEST(spans[i].size() == sizes[i]);
    BOOST_TEST((spans[i].header.compression() == codecs[i]));
    auto one = std::span(set).subspan(spans[i].position, spans[i].size());
    BOOST_TEST(validate_batch(one) == batch_error::none);
    pos += sizes[i];
  }
  set.resize(set.size() - 3);
  BOOST_TEST(split_batches(set, spans) == batch_error::truncated);
}

BOOST_AUTO_TEST_CASE(control_batch_carries_the_marker) {
  for (auto type : {control_type::commit, control_type::abort}) {
    auto batch = build_control_batch(type, 99, 3, 17, 123456, 40, 2);
    BOOST_TEST(validate_batch(batch) == batch_error::none);
    auto h = *read_batch_header(batch);
    BOOST_TEST(h.is_control());
    BOOST_TEST(h.is_transactional());
    BOOST_TEST(h.producer_id == 99);
    BOOST_TEST(h.producer_epoch == 3);
    BOOST_TEST(h.base_sequence == -1);
    BOOST_TEST(h.base_offset == 40);
    BOOST_TEST(h.partition_leader_epoch == 2);
    BOOST_TEST(h.base_timestamp == 123456);
    std::vector<record> out;
    BOOST_TEST_REQUIRE(decode_records(batch, out) == batch_error::none);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST((out[0].key == byte_buffer{0, 0, 0, static_cast<uint8_t>(type)}));
    auto marker = parse_end_txn_marker(out[0]);
    BOOST_TEST_REQUIRE(marker.has_value());
    BOOST_TEST((*marker == end_txn_marker{type, 17}));
  }
  record not_a_marker{0, 0, 0, byte_buffer{0, 0, 0, 2}, byte_buffer{0, 0, 0, 0, 0, 1}, {}};
  BOOST_TEST(!parse_end_txn_marker(not_a_marker).has_value());
  not_a_marker.key = byte_buffer{0, 0};
  BOOST_TEST(!parse_end_txn_marker(not_a_marker).has_value());
}

BOOST_AUTO_TEST_CASE(visit_gives_views_and_can_stop) {
  auto batch = sample_builder(compression_type::snappy).build();
  std::vector<int32_t> deltas;
  auto e = visit_records(batch, [&](const record_view& v) {
    deltas.push_back(v.offset_delta);
    if (v.offset_delta == 0) {
      BOOST_TEST(v.header_count == 2);
      BOOST_TEST((to_record(v) == sample_records()[0]));
    }
    return deltas.size() < 2;
  });
  BOOST_TEST(e == batch_error::none);
  BOOST_TEST((deltas == std::vector<int32_t>{0, 1}));
}

// Random record bytes under a correct header and CRC must produce an error or
// a clean decode, never a crash (ASan/UBSan builds make this sharper).
BOOST_AUTO_TEST_CASE(garbage_records_never_crash) {
  std::mt19937_64 rng(2024);
  auto base = sample_builder(compression_type::none).build();
  int decoded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    auto batch = base;
    size_t flips = 1 + rng() % 6;
    for (size_t f = 0; f < flips; ++f)
      batch[batch_header_size + rng() % (batch.size() - batch_header_size)] =
          static_cast<uint8_t>(rng());
    if (iter % 3 == 0) patch_i32_and_crc(batch, records_count_offset, static_cast<int32_t>(rng()));
    update_batch_crc(batch);
    std::vector<record> out;
    auto e = decode_records(batch, out);
    BOOST_TEST_REQUIRE((e == batch_error::none) == (out.size() == 3u));
    decoded += e == batch_error::none;
    (void)validate_batch(batch);
  }
  BOOST_TEST(decoded < 3000); // most mutations must be caught
}

BOOST_AUTO_TEST_CASE(error_names) {
  BOOST_TEST(std::string(to_string(batch_error::crc_mismatch)) == "crc_mismatch");
  BOOST_TEST(std::string(to_string(batch_error::unsupported_magic)) == "unsupported_magic");
  BOOST_TEST(std::string(to_string(compression_type::zstd)) == "zstd");
}
