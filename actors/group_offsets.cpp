#include "actors/group_offsets.h"

#include "protocol/record_builder.h"

namespace caudal::actors {

int32_t java_string_hash(const std::string& s) {
  uint32_t h = 0;
  for (unsigned char c : s) h = 31 * h + c;
  return static_cast<int32_t>(h);
}

int32_t offsets_partition_for(const std::string& group_id, int32_t partitions) {
  if (partitions <= 0) return 0;
  return (java_string_hash(group_id) & 0x7fffffff) % partitions;
}

namespace {

void put_string(protocol::writer& w, const std::string& s) {
  w.i16(static_cast<int16_t>(s.size()));
  w.raw(std::string_view{s});
}

std::optional<std::string> get_string(protocol::reader& r) {
  auto len = r.i16();
  if (!r.ok() || len < 0 || !r.has(static_cast<size_t>(len))) return std::nullopt;
  auto b = r.take(static_cast<size_t>(len));
  return std::string(b.begin(), b.end());
}

} // namespace

protocol::byte_buffer encode_offset_key(const storage::group_offset_key& key) {
  protocol::byte_buffer out;
  protocol::writer w{out};
  w.i16(1);
  put_string(w, key.group);
  put_string(w, key.topic);
  w.i32(key.partition);
  return out;
}

protocol::byte_buffer encode_offset_value(const storage::committed_offset& value) {
  protocol::byte_buffer out;
  protocol::writer w{out};
  w.i16(3);
  w.i64(value.offset);
  w.i32(value.leader_epoch);
  put_string(w, value.metadata);
  w.i64(value.commit_time_ms);
  return out;
}

std::optional<storage::group_offset_key> decode_offset_key(std::span<const uint8_t> bytes) {
  protocol::reader r{bytes};
  if (r.i16() != 1) return std::nullopt;
  storage::group_offset_key k;
  auto g = get_string(r);
  auto t = get_string(r);
  if (!g || !t) return std::nullopt;
  k.group = *g;
  k.topic = *t;
  k.partition = r.i32();
  if (!r.at_end()) return std::nullopt;
  return k;
}

std::optional<storage::committed_offset> decode_offset_value(std::span<const uint8_t> bytes) {
  protocol::reader r{bytes};
  if (r.i16() != 3) return std::nullopt;
  storage::committed_offset v;
  v.offset = r.i64();
  v.leader_epoch = r.i32();
  auto m = get_string(r);
  if (!m) return std::nullopt;
  v.metadata = *m;
  v.commit_time_ms = r.i64();
  if (!r.at_end()) return std::nullopt;
  return v;
}

protocol::byte_buffer build_offsets_batch(
    const std::vector<
        std::pair<storage::group_offset_key, std::optional<storage::committed_offset>>>& entries,
    int64_t now_ms) {
  protocol::batch_builder b;
  for (auto& [key, value] : entries) {
    auto k = encode_offset_key(key);
    if (!value) {
      b.add(now_ms, std::span<const uint8_t>{k}, std::nullopt);
      continue;
    }
    auto v = encode_offset_value(*value);
    b.add(now_ms, std::span<const uint8_t>{k}, std::span<const uint8_t>{v});
  }
  return b.build();
}

} // namespace caudal::actors
