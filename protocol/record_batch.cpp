#include "protocol/record_batch.h"

#include <algorithm>

#include "protocol/crc32c.h"

namespace caudal::protocol {
namespace {

// The smallest encoded record: length, attributes, timestamp delta, offset
// delta, key length, value length, header count (one byte each). Bounds any
// count-driven loop or reservation by the bytes actually present.
constexpr size_t min_record_size = 7;

template <class U>
void store_be(std::span<uint8_t> out, size_t at, U v) {
  for (size_t i = 0; i < sizeof(U); ++i)
    out[at + sizeof(U) - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
}

int32_t load_be32(std::span<const uint8_t> in, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | in[at + i];
  return static_cast<int32_t>(v);
}

bool read_nullable_bytes(reader& r, std::optional<std::span<const uint8_t>>& out) {
  int32_t len = r.varint();
  if (!r.ok() || len < -1) return false;
  if (len == -1) {
    out.reset();
    return true;
  }
  auto bytes = r.take(static_cast<size_t>(len));
  out = bytes;
  return r.ok();
}

// Header keys are non-null strings; values are nullable bytes.
bool read_header(reader& r, std::span<const uint8_t>& key,
                 std::optional<std::span<const uint8_t>>& value) {
  int32_t key_len = r.varint();
  if (!r.ok() || key_len < 0) return false;
  key = r.take(static_cast<size_t>(key_len));
  return r.ok() && read_nullable_bytes(r, value);
}

bool skip_headers(reader& r, int32_t count) {
  std::span<const uint8_t> key;
  std::optional<std::span<const uint8_t>> value;
  for (int32_t i = 0; i < count; ++i)
    if (!read_header(r, key, value)) return false;
  return true;
}

// One record: its varint length, then a body that must be consumed exactly.
bool parse_record(reader& r, record_view& v) {
  int32_t len = r.varint();
  if (!r.ok() || len < 0) return false;
  auto body = r.take(static_cast<size_t>(len));
  if (!r.ok()) return false;
  reader b(body);
  v.attributes = b.i8();
  v.timestamp_delta = b.varlong();
  v.offset_delta = b.varint();
  if (!b.ok() || !read_nullable_bytes(b, v.key) || !read_nullable_bytes(b, v.value)) return false;
  v.header_count = b.varint();
  if (!b.ok() || v.header_count < 0) return false;
  size_t headers_start = b.position();
  if (!skip_headers(b, v.header_count)) return false;
  v.encoded_headers = body.subspan(headers_start, b.position() - headers_start);
  return b.at_end();
}

// Walks exactly `count` records that must fill `records` exactly. `fn(view,
// index)` returns false to stop early (the scan then reports none).
template <class F>
batch_error scan_records(std::span<const uint8_t> records, int32_t count, F&& fn) {
  reader r(records);
  record_view v;
  for (int32_t i = 0; i < count; ++i) {
    if (r.remaining() == 0) return batch_error::invalid_record_count;
    if (!parse_record(r, v)) return batch_error::invalid_records;
    if (!fn(static_cast<const record_view&>(v), i)) return batch_error::none;
  }
  return r.remaining() == 0 ? batch_error::none : batch_error::invalid_record_count;
}

// A batch whose integrity was checked, with its records bytes located
// (decompressed into `storage` when the batch is compressed).
struct opened_batch {
  batch_header header;
  std::span<const uint8_t> records;
  byte_buffer storage;
};

batch_error open_batch(std::span<const uint8_t> batch, size_t max_uncompressed, opened_batch& ob) {
  if (auto e = check_batch_integrity(batch); e != batch_error::none) return e;
  ob.header = *read_batch_header(batch);
  const auto& h = ob.header;
  if (h.records_count < 0) return batch_error::invalid_record_count;
  if (h.last_offset_delta < 0) return batch_error::invalid_offset_delta;
  if (static_cast<uint8_t>(h.compression()) > static_cast<uint8_t>(compression_type::zstd))
    return batch_error::unsupported_compression;
  auto payload = batch.subspan(batch_header_size);
  if (h.compression() == compression_type::none) {
    ob.records = payload;
  } else {
    if (!decompress(h.compression(), payload, ob.storage, max_uncompressed))
      return batch_error::decompression_failed;
    ob.records = ob.storage;
  }
  if (static_cast<size_t>(h.records_count) > ob.records.size() / min_record_size)
    return batch_error::invalid_record_count;
  return batch_error::none;
}

} // namespace

const char* to_string(batch_error e) {
  switch (e) {
  case batch_error::none:
    return "none";
  case batch_error::truncated:
    return "truncated";
  case batch_error::invalid_length:
    return "invalid_length";
  case batch_error::unsupported_magic:
    return "unsupported_magic";
  case batch_error::crc_mismatch:
    return "crc_mismatch";
  case batch_error::invalid_record_count:
    return "invalid_record_count";
  case batch_error::invalid_offset_delta:
    return "invalid_offset_delta";
  case batch_error::invalid_records:
    return "invalid_records";
  case batch_error::unsupported_compression:
    return "unsupported_compression";
  case batch_error::decompression_failed:
    return "decompression_failed";
  }
  return "unknown";
}

std::optional<batch_header> read_batch_header(std::span<const uint8_t> data) {
  if (data.size() < batch_header_size) return std::nullopt;
  reader r(data.first(batch_header_size));
  batch_header h;
  h.base_offset = r.i64();
  h.batch_length = r.i32();
  h.partition_leader_epoch = r.i32();
  h.magic = r.i8();
  h.crc = r.u32();
  h.attributes = r.i16();
  h.last_offset_delta = r.i32();
  h.base_timestamp = r.i64();
  h.max_timestamp = r.i64();
  h.producer_id = r.i64();
  h.producer_epoch = r.i16();
  h.base_sequence = r.i32();
  h.records_count = r.i32();
  return h;
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) {
  return crc32c(batch.subspan(attributes_offset));
}

batch_error check_batch_integrity(std::span<const uint8_t> batch) {
  if (batch.size() <= magic_offset) return batch_error::truncated;
  if (static_cast<int8_t>(batch[magic_offset]) != current_magic)
    return batch_error::unsupported_magic;
  if (batch.size() < batch_header_size) return batch_error::truncated;
  int32_t length = load_be32(batch, batch_length_offset);
  if (length < min_batch_length) return batch_error::invalid_length;
  size_t total = static_cast<size_t>(length) + 12;
  if (total > batch.size()) return batch_error::truncated;
  if (total < batch.size()) return batch_error::invalid_length;
  auto stored = static_cast<uint32_t>(load_be32(batch, crc_offset));
  return stored == compute_batch_crc(batch) ? batch_error::none : batch_error::crc_mismatch;
}

batch_error validate_batch(std::span<const uint8_t> batch, size_t max_uncompressed_bytes) {
  opened_batch ob;
  if (auto e = open_batch(batch, max_uncompressed_bytes, ob); e != batch_error::none) return e;
  int32_t count = ob.header.records_count;
  if (count > 0 && ob.header.last_offset_delta != count - 1)
    return batch_error::invalid_offset_delta;
  batch_error bad_delta = batch_error::none;
  auto e = scan_records(ob.records, count, [&](const record_view& v, int32_t i) {
    if (v.offset_delta == i) return true;
    bad_delta = batch_error::invalid_offset_delta;
    return false;
  });
  return e != batch_error::none ? e : bad_delta;
}

batch_error split_batches(std::span<const uint8_t> record_set, std::vector<batch_span>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < record_set.size()) {
    auto rest = record_set.subspan(pos);
    // The magic byte sits at offset 16 in every message format version.
    if (rest.size() <= magic_offset) return batch_error::truncated;
    if (static_cast<int8_t>(rest[magic_offset]) != current_magic)
      return batch_error::unsupported_magic;
    auto header = read_batch_header(rest);
    if (!header) return batch_error::truncated;
    if (header->batch_length < min_batch_length) return batch_error::invalid_length;
    if (header->total_size() > rest.size()) return batch_error::truncated;
    out.push_back(batch_span{pos, *header});
    pos += header->total_size();
  }
  return batch_error::none;
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  if (batch.size() < batch_header_size) return;
  store_be(batch, base_offset_offset, static_cast<uint64_t>(base_offset));
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  if (batch.size() < batch_header_size) return;
  store_be(batch, partition_leader_epoch_offset, static_cast<uint32_t>(epoch));
}

void update_batch_crc(std::span<uint8_t> batch) {
  if (batch.size() < batch_header_size) return;
  store_be(batch, crc_offset, compute_batch_crc(batch));
}

void set_max_timestamp_and_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms) {
  if (batch.size() < batch_header_size) return;
  auto attributes =
      static_cast<uint16_t>((batch[attributes_offset] << 8) | batch[attributes_offset + 1]);
  store_be(batch, attributes_offset, static_cast<uint16_t>(attributes | timestamp_type_bit));
  store_be(batch, max_timestamp_offset, static_cast<uint64_t>(timestamp_ms));
  update_batch_crc(batch);
}

std::vector<record_header> decode_headers(const record_view& v) {
  std::vector<record_header> headers;
  reader r(v.encoded_headers);
  std::span<const uint8_t> key;
  std::optional<std::span<const uint8_t>> value;
  for (int32_t i = 0; i < v.header_count && read_header(r, key, value); ++i) {
    record_header h{std::string(key.begin(), key.end()), std::nullopt};
    if (value) h.value.emplace(value->begin(), value->end());
    headers.push_back(std::move(h));
  }
  return headers;
}

record to_record(const record_view& v) {
  record r;
  r.attributes = v.attributes;
  r.timestamp_delta = v.timestamp_delta;
  r.offset_delta = v.offset_delta;
  if (v.key) r.key.emplace(v.key->begin(), v.key->end());
  if (v.value) r.value.emplace(v.value->begin(), v.value->end());
  r.headers = decode_headers(v);
  return r;
}

batch_error decode_records(std::span<const uint8_t> batch, std::vector<record>& out,
                           size_t max_uncompressed_bytes) {
  opened_batch ob;
  if (auto e = open_batch(batch, max_uncompressed_bytes, ob); e != batch_error::none) return e;
  std::vector<record> decoded;
  // The count is bounded by open_batch, but a record object is ~20x larger
  // than its smallest encoding: grow with the records actually parsed.
  decoded.reserve(std::min<size_t>(static_cast<size_t>(ob.header.records_count), 1024));
  auto e = scan_records(ob.records, ob.header.records_count, [&](const record_view& v, int32_t) {
    decoded.push_back(to_record(v));
    return true;
  });
  if (e != batch_error::none) return e;
  out.insert(out.end(), std::make_move_iterator(decoded.begin()),
             std::make_move_iterator(decoded.end()));
  return batch_error::none;
}

batch_error visit_records(std::span<const uint8_t> batch,
                          const std::function<bool(const record_view&)>& fn,
                          size_t max_uncompressed_bytes) {
  opened_batch ob;
  if (auto e = open_batch(batch, max_uncompressed_bytes, ob); e != batch_error::none) return e;
  return scan_records(ob.records, ob.header.records_count,
                      [&](const record_view& v, int32_t) { return fn(v); });
}

std::optional<end_txn_marker> parse_end_txn_marker(const record& r) {
  if (!r.key || !r.value) return std::nullopt;
  reader key(*r.key);
  int16_t key_version = key.i16();
  int16_t type = key.i16();
  reader value(*r.value);
  int16_t value_version = value.i16();
  int32_t coordinator_epoch = value.i32();
  if (!key.ok() || !value.ok() || key_version < 0 || value_version < 0) return std::nullopt;
  if (type != static_cast<int16_t>(control_type::abort) &&
      type != static_cast<int16_t>(control_type::commit))
    return std::nullopt;
  return end_txn_marker{static_cast<control_type>(type), coordinator_epoch};
}

} // namespace caudal::protocol
