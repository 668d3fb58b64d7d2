#include "protocol/compression.h"

#include <algorithm>
#include <array>
#include <memory>

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace caudal::protocol {
namespace {

// The output of a decompressor, appended to a caller's buffer: it grows
// geometrically but never beyond max_out + 1 bytes, so "more than the limit"
// is detectable without ever allocating more than the limit.
class bounded_sink {
public:
  bounded_sink(byte_buffer& out, size_t input_size, size_t max_out)
      : out_(out), start_(out.size()), max_(max_out) {
    size_t first = std::max<size_t>(input_size * 4, 4096);
    out_.resize(start_ + std::min(first, hard_cap()));
  }
  /// Free space after what was produced; empty when the cap is reached.
  std::span<uint8_t> space() {
    if (produced_ == capacity()) {
      if (capacity() >= hard_cap()) return {};
      out_.resize(start_ + std::min(hard_cap(), capacity() * 2));
    }
    return std::span<uint8_t>(out_).subspan(start_ + produced_);
  }
  void commit(size_t n) { produced_ += n; }
  bool finish() {
    if (produced_ > max_) return fail();
    out_.resize(start_ + produced_);
    return true;
  }
  bool fail() {
    out_.resize(start_);
    return false;
  }

private:
  size_t capacity() const { return out_.size() - start_; }
  size_t hard_cap() const { return max_ == SIZE_MAX ? max_ : max_ + 1; }

  byte_buffer& out_;
  size_t start_;
  size_t max_;
  size_t produced_ = 0;
};

// ---- gzip -------------------------------------------------------------------

constexpr int gzip_window_bits = 15 + 16; // deflate with a gzip wrapper
constexpr int auto_window_bits = 15 + 32; // inflate gzip or zlib, detected

bool gzip_compress(std::span<const uint8_t> in, byte_buffer& out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip_window_bits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  size_t start = out.size();
  out.resize(start + deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data() + start;
  zs.avail_out = static_cast<uInt>(out.size() - start);
  int rc = deflate(&zs, Z_FINISH);
  size_t written = zs.total_out;
  deflateEnd(&zs);
  out.resize(rc == Z_STREAM_END ? start + written : start);
  return rc == Z_STREAM_END;
}

// Inflates one or more concatenated gzip members (Java's GZIPInputStream
// accepts concatenation too).
bool gzip_decompress(std::span<const uint8_t> in, bounded_sink& sink) {
  if (in.size() > UINT32_MAX) return sink.fail();
  z_stream zs{};
  if (inflateInit2(&zs, auto_window_bits) != Z_OK) return sink.fail();
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  bool ok = false;
  for (;;) {
    auto space = sink.space();
    if (space.empty()) break;
    uInt avail = static_cast<uInt>(std::min<size_t>(space.size(), UINT32_MAX));
    zs.next_out = space.data();
    zs.avail_out = avail;
    int rc = inflate(&zs, Z_NO_FLUSH);
    sink.commit(avail - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) {
        ok = true;
        break;
      }
      if (inflateReset(&zs) != Z_OK) break;
    } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) {
      break; // corrupt data, or truncated input (Z_BUF_ERROR with room left)
    }
  }
  inflateEnd(&zs);
  return ok ? sink.finish() : sink.fail();
}

// ---- snappy -----------------------------------------------------------------

// xerial snappy-java's stream header: magic, then version and compatible
// version (int32 big-endian each), then chunks of [int32 length][raw block].
constexpr std::array<uint8_t, 8> xerial_magic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t xerial_header_size = 16;

bool is_xerial_framed(std::span<const uint8_t> in) {
  return in.size() >= xerial_header_size &&
         std::equal(xerial_magic.begin(), xerial_magic.end(), in.begin());
}

bool snappy_raw_block(std::span<const uint8_t> block, byte_buffer& out, size_t& budget) {
  auto* src = reinterpret_cast<const char*>(block.data());
  size_t n = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &n) || n > budget) return false;
  size_t at = out.size();
  out.resize(at + n);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + at)))
    return false;
  budget -= n;
  return true;
}

bool snappy_decompress(std::span<const uint8_t> in, byte_buffer& out, size_t max_out) {
  size_t start = out.size();
  size_t budget = max_out;
  bool ok = true;
  if (!is_xerial_framed(in)) {
    ok = snappy_raw_block(in, out, budget);
  } else {
    reader r(in.subspan(xerial_header_size));
    while (ok && r.remaining() > 0) {
      int32_t len = r.i32();
      auto block = r.take(len < 0 ? SIZE_MAX : static_cast<size_t>(len));
      ok = r.ok() && snappy_raw_block(block, out, budget);
    }
  }
  if (!ok) out.resize(start);
  return ok;
}

bool snappy_compress(std::span<const uint8_t> in, byte_buffer& out) {
  size_t start = out.size();
  out.resize(start + snappy::MaxCompressedLength(in.size()));
  size_t n = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(),
                      reinterpret_cast<char*>(out.data() + start), &n);
  out.resize(start + n);
  return true;
}

// ---- lz4 (frame format) -----------------------------------------------------

bool lz4_compress(std::span<const uint8_t> in, byte_buffer& out) {
  // Independent 64 KiB blocks and no content size: the shape Kafka's Java
  // client writes, and the only block mode its reader accepts.
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  size_t start = out.size();
  out.resize(start + LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n =
      LZ4F_compressFrame(out.data() + start, out.size() - start, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    out.resize(start);
    return false;
  }
  out.resize(start + n);
  return true;
}

struct lz4_dctx_deleter {
  void operator()(LZ4F_dctx* d) const { LZ4F_freeDecompressionContext(d); }
};

bool lz4_decompress(std::span<const uint8_t> in, bounded_sink& sink) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return sink.fail();
  std::unique_ptr<LZ4F_dctx, lz4_dctx_deleter> ctx(raw);
  const uint8_t* src = in.data();
  size_t left = in.size();
  size_t hint = 1; // 0 once a frame is complete
  while (left > 0 || hint != 0) {
    auto space = sink.space();
    if (space.empty()) return sink.fail();
    size_t dst_size = space.size();
    size_t src_size = left;
    hint = LZ4F_decompress(ctx.get(), space.data(), &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) return sink.fail();
    sink.commit(dst_size);
    src += src_size;
    left -= src_size;
    if (left == 0 && hint != 0 && dst_size == 0) return sink.fail(); // truncated frame
  }
  return sink.finish();
}

// ---- zstd -------------------------------------------------------------------

struct zstd_dctx_deleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
struct zstd_cctx_deleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

constexpr int kafka_zstd_level = 3; // Kafka's and librdkafka's default level

// The window a frame may make the decoder allocate: at least 8 MiB (zstd-jni
// streams at Kafka's default level use 2 MiB, level 19 uses 8 MiB), at most
// what the output bound could need anyway, and never above zstd's 128 MiB.
int zstd_window_log_max(size_t max_out) {
  int log = 23;
  while (log < 27 && (size_t{1} << log) < max_out) ++log;
  return log;
}

bool zstd_compress(std::span<const uint8_t> in, byte_buffer& out) {
  thread_local std::unique_ptr<ZSTD_CCtx, zstd_cctx_deleter> cctx(ZSTD_createCCtx());
  if (!cctx) return false;
  size_t start = out.size();
  out.resize(start + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(cctx.get(), out.data() + start, out.size() - start, in.data(),
                               in.size(), kafka_zstd_level);
  if (ZSTD_isError(n)) {
    out.resize(start);
    return false;
  }
  out.resize(start + n);
  return true;
}

bool zstd_decompress(std::span<const uint8_t> in, bounded_sink& sink, size_t max_out) {
  thread_local std::unique_ptr<ZSTD_DCtx, zstd_dctx_deleter> dctx(ZSTD_createDCtx());
  if (!dctx) return sink.fail();
  ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, zstd_window_log_max(max_out));
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t hint = 1; // 0 once a frame is complete and flushed
  while (src.pos < src.size || hint != 0) {
    auto space = sink.space();
    if (space.empty()) return sink.fail();
    ZSTD_outBuffer dst{space.data(), space.size(), 0};
    size_t before_in = src.pos;
    hint = ZSTD_decompressStream(dctx.get(), &dst, &src);
    if (ZSTD_isError(hint)) return sink.fail();
    sink.commit(dst.pos);
    // No progress although there was output room: the input is truncated.
    if (dst.pos == 0 && src.pos == before_in) return sink.fail();
  }
  return sink.finish();
}

} // namespace

const char* to_string(compression_type c) {
  switch (c) {
  case compression_type::none:
    return "none";
  case compression_type::gzip:
    return "gzip";
  case compression_type::snappy:
    return "snappy";
  case compression_type::lz4:
    return "lz4";
  case compression_type::zstd:
    return "zstd";
  }
  return "unknown";
}

bool compress(compression_type c, std::span<const uint8_t> in, byte_buffer& out) {
  switch (c) {
  case compression_type::none:
    out.insert(out.end(), in.begin(), in.end());
    return true;
  case compression_type::gzip:
    return gzip_compress(in, out);
  case compression_type::snappy:
    return snappy_compress(in, out);
  case compression_type::lz4:
    return lz4_compress(in, out);
  case compression_type::zstd:
    return zstd_compress(in, out);
  }
  return false;
}

bool decompress(compression_type c, std::span<const uint8_t> in, byte_buffer& out,
                size_t max_out_bytes) {
  if (c == compression_type::none) {
    if (in.size() > max_out_bytes) return false;
    out.insert(out.end(), in.begin(), in.end());
    return true;
  }
  if (c == compression_type::snappy) return snappy_decompress(in, out, max_out_bytes);
  bounded_sink sink(out, in.size(), max_out_bytes);
  switch (c) {
  case compression_type::gzip:
    return gzip_decompress(in, sink);
  case compression_type::lz4:
    return lz4_decompress(in, sink);
  case compression_type::zstd:
    return zstd_decompress(in, sink, max_out_bytes);
  default:
    return sink.fail();
  }
}

} // namespace caudal::protocol
