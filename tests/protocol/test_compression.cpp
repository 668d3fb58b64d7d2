#define BOOST_TEST_MODULE compression
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include <zstd.h>

#include "protocol/compression.h"

using namespace caudal::protocol;

namespace {

const compression_type codecs[] = {compression_type::none, compression_type::gzip,
                                   compression_type::snappy, compression_type::lz4,
                                   compression_type::zstd};
const compression_type real_codecs[] = {compression_type::gzip, compression_type::snappy,
                                        compression_type::lz4, compression_type::zstd};

byte_buffer random_bytes(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  byte_buffer v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Log-like text: compressible, but not trivially.
byte_buffer text_bytes(size_t n) {
  byte_buffer v;
  for (size_t i = 0; v.size() < n; ++i) {
    auto line = "event " + std::to_string(i * 7919 % 1000) + " user=" + std::to_string(i % 37) +
                " status=ok\n";
    v.insert(v.end(), line.begin(), line.end());
  }
  v.resize(n);
  return v;
}

byte_buffer compressed(compression_type c, const byte_buffer& in) {
  byte_buffer out;
  BOOST_TEST_REQUIRE(compress(c, in, out));
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(round_trip_every_codec) {
  std::vector<byte_buffer> inputs = {{},
                                     {'x'},
                                     text_bytes(100),
                                     text_bytes(300000),
                                     random_bytes(1, 70000),
                                     byte_buffer(1 << 20, 0)};
  for (auto c : codecs) {
    for (const auto& in : inputs) {
      auto packed = compressed(c, in);
      byte_buffer out;
      BOOST_TEST_REQUIRE(decompress(c, packed, out, in.size()), to_string(c) << " " << in.size());
      BOOST_TEST((out == in));
    }
  }
}

BOOST_AUTO_TEST_CASE(compressible_data_shrinks) {
  auto in = text_bytes(100000);
  for (auto c : real_codecs) BOOST_TEST(compressed(c, in).size() < in.size() / 3, to_string(c));
}

BOOST_AUTO_TEST_CASE(output_is_appended) {
  auto in = text_bytes(5000);
  for (auto c : codecs) {
    byte_buffer packed{9, 9};
    BOOST_TEST_REQUIRE(compress(c, in, packed));
    BOOST_TEST(packed[0] == 9);
    byte_buffer out{1, 2, 3};
    BOOST_TEST_REQUIRE(decompress(c, std::span(packed).subspan(2), out, in.size()));
    BOOST_TEST((byte_buffer(out.begin(), out.begin() + 3) == byte_buffer{1, 2, 3}));
    BOOST_TEST((byte_buffer(out.begin() + 3, out.end()) == in));
  }
}

BOOST_AUTO_TEST_CASE(bomb_is_rejected_by_the_bound) {
  byte_buffer zeros(4 << 20, 0); // 4 MiB that compress to a few KiB
  for (auto c : codecs) {
    auto packed = compressed(c, zeros);
    byte_buffer out{7};
    BOOST_TEST(!decompress(c, packed, out, zeros.size() - 1), to_string(c));
    BOOST_TEST((out == byte_buffer{7})); // left as it was
    BOOST_TEST(!decompress(c, packed, out, 1000), to_string(c));
    BOOST_TEST(decompress(c, packed, out, zeros.size()), to_string(c));
    BOOST_TEST(out.size() == zeros.size() + 1);
  }
}

BOOST_AUTO_TEST_CASE(truncated_or_corrupt_input_fails) {
  auto in = text_bytes(50000);
  for (auto c : real_codecs) {
    auto packed = compressed(c, in);
    for (size_t cut : {size_t{0}, size_t{1}, size_t{5}, packed.size() / 2, packed.size() - 1}) {
      byte_buffer out;
      bool ok = decompress(c, std::span(packed).first(cut), out, 1 << 20);
      // A prefix may never decode to the full input; failure leaves out empty.
      BOOST_TEST(!ok, to_string(c) << " cut " << cut);
      BOOST_TEST(out.empty());
    }
    auto garbage = random_bytes(3, 2000);
    byte_buffer out;
    BOOST_TEST(!decompress(c, garbage, out, 1 << 20), to_string(c));
  }
}

BOOST_AUTO_TEST_CASE(unknown_codec_fails) {
  byte_buffer in{1, 2, 3}, out;
  BOOST_TEST(!compress(static_cast<compression_type>(5), in, out));
  BOOST_TEST(!decompress(static_cast<compression_type>(7), in, out, 100));
  BOOST_TEST(out.empty());
}

// snappy-java (Kafka's Java client) writes the xerial stream format: magic,
// version 1, compatible version 1, then [int32 length][raw block] chunks.
BOOST_AUTO_TEST_CASE(snappy_reads_xerial_framing) {
  auto part1 = text_bytes(40000);
  auto part2 = random_bytes(5, 3000);
  byte_buffer framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  for (const auto* part : {&part1, &part2}) {
    auto block = compressed(compression_type::snappy, *part);
    writer(framed).i32(static_cast<int32_t>(block.size()));
    framed.insert(framed.end(), block.begin(), block.end());
  }
  byte_buffer out;
  BOOST_TEST_REQUIRE(decompress(compression_type::snappy, framed, out, 1 << 20));
  byte_buffer expected = part1;
  expected.insert(expected.end(), part2.begin(), part2.end());
  BOOST_TEST((out == expected));
  // Bound applies across chunks; a chunk length past the end fails.
  BOOST_TEST(!decompress(compression_type::snappy, framed, out, expected.size() - 1));
  framed.resize(framed.size() - 1);
  byte_buffer out2;
  BOOST_TEST(!decompress(compression_type::snappy, framed, out2, 1 << 20));
  BOOST_TEST(out2.empty());
}

BOOST_AUTO_TEST_CASE(gzip_reads_concatenated_members) {
  auto a = text_bytes(1000), b = random_bytes(8, 500);
  auto packed = compressed(compression_type::gzip, a);
  auto second = compressed(compression_type::gzip, b);
  packed.insert(packed.end(), second.begin(), second.end());
  byte_buffer out;
  BOOST_TEST_REQUIRE(decompress(compression_type::gzip, packed, out, 1 << 20));
  a.insert(a.end(), b.begin(), b.end());
  BOOST_TEST((out == a));
}

BOOST_AUTO_TEST_CASE(gzip_output_has_gzip_magic) {
  auto packed = compressed(compression_type::gzip, text_bytes(10));
  BOOST_TEST(packed.size() > 2);
  BOOST_TEST(packed[0] == 0x1f);
  BOOST_TEST(packed[1] == 0x8b);
}

BOOST_AUTO_TEST_CASE(lz4_and_zstd_read_concatenated_frames) {
  for (auto c : {compression_type::lz4, compression_type::zstd}) {
    auto a = text_bytes(2000), b = random_bytes(9, 100000);
    auto packed = compressed(c, a);
    auto second = compressed(c, b);
    packed.insert(packed.end(), second.begin(), second.end());
    byte_buffer out;
    BOOST_TEST_REQUIRE(decompress(c, packed, out, 1 << 20), to_string(c));
    a.insert(a.end(), b.begin(), b.end());
    BOOST_TEST((out == a));
  }
}

// A zstd stream of unknown size declaring a 32 MiB window (as zstd-jni writes
// at high levels): accepted when the output bound could need such a window,
// refused when the bound is small (the decoder would allocate the window).
BOOST_AUTO_TEST_CASE(zstd_window_is_bounded_by_the_output_limit) {
  auto in = text_bytes(100000);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 25);
  byte_buffer packed(ZSTD_compressBound(in.size()) + 64);
  ZSTD_outBuffer out{packed.data(), packed.size(), 0};
  // Two calls, so the compressor cannot shrink the window to the input size.
  ZSTD_inBuffer first{in.data(), in.size() / 2, 0};
  ZSTD_compressStream2(cctx, &out, &first, ZSTD_e_continue);
  ZSTD_inBuffer src{in.data() + in.size() / 2, in.size() - in.size() / 2, 0};
  size_t left = ZSTD_compressStream2(cctx, &out, &src, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  BOOST_TEST_REQUIRE(left == 0u);
  packed.resize(out.pos);
  BOOST_TEST(ZSTD_getFrameContentSize(packed.data(), packed.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  byte_buffer result;
  BOOST_TEST(!decompress(compression_type::zstd, packed, result, 1 << 20));
  BOOST_TEST(decompress(compression_type::zstd, packed, result, 64 << 20));
  BOOST_TEST((result == in));
}
