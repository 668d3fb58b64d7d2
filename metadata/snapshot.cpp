#include "metadata/snapshot.h"

#include <array>
#include <string_view>

#include "protocol/crc32c.h"

namespace caudal::metadata {

namespace {

constexpr std::string_view magic = "CAUDSNAP";
constexpr int16_t format_version = 1;
constexpr size_t header_size = 8 + 2 + 8 + 4 + 4 + 4;
// The CRC covers the version, id and length fields and the body.
constexpr size_t crc_from = 8;
constexpr size_t crc_field = header_size - 4;

uint32_t snapshot_crc(std::span<const uint8_t> bytes) {
  auto fields = bytes.subspan(crc_from, crc_field - crc_from);
  return protocol::crc32c(bytes.subspan(header_size), protocol::crc32c(fields));
}
// Records per RecordBatch in the body: keeps each batch small enough to
// decode and check on its own.
constexpr size_t records_per_batch = 512;

void node_records(const image& img, std::vector<record>& out) {
  for (const auto& [id, n] : img.nodes) {
    out.push_back(n.registration); // applies as fenced
    if (n.decommissioned) out.push_back(decommission_node{id});
    if (!n.fenced) out.push_back(unfence_node{id});
  }
}

void topic_records(const image& img, std::vector<record>& out) {
  for (const auto& [id, t] : img.topics) {
    out.push_back(topic_record{t.name, id, t.internal});
    for (const auto& [p, s] : t.partitions)
      out.push_back(partition_record{id, p, s.replicas, s.leader, s.leader_epoch, s.isr, s.adding,
                                     s.removing});
  }
  for (const auto& [key, target] : img.reassignment_goals)
    out.push_back(reassignment_goal{key.first, key.second, target});
}

void config_records(int8_t type, const std::map<std::string, config_map>& all,
                    std::vector<record>& out) {
  for (const auto& [name, configs] : all)
    for (const auto& [key, value] : configs) out.push_back(config_record{type, name, key, value});
}

struct header {
  snapshot_id id;
  int32_t body_length = 0;
  uint32_t crc = 0;
};

result<header> read_header(std::span<const uint8_t> bytes) {
  result<header> out;
  protocol::reader r(bytes);
  auto m = r.take(magic.size());
  if (!r.ok() || std::string_view(reinterpret_cast<const char*>(m.data()), m.size()) != magic) {
    out.error = "not a metadata snapshot (bad magic)";
    return out;
  }
  int16_t version = r.i16();
  out.value.id.end_offset = r.i64();
  out.value.id.epoch = r.i32();
  out.value.body_length = r.i32();
  out.value.crc = r.u32();
  if (!r.ok())
    out.error = "metadata snapshot header truncated";
  else if (version != format_version)
    out.error = "metadata snapshot version " + std::to_string(version) + " is not supported";
  else if (out.value.id.end_offset < 0 || out.value.id.epoch < -1)
    out.error = "metadata snapshot header has a negative offset or epoch";
  else if (out.value.body_length < 0 || static_cast<size_t>(out.value.body_length) != r.remaining())
    out.error = "metadata snapshot body length does not match its size";
  return out;
}

} // namespace

std::vector<record> image_records(const image& img) {
  std::vector<record> out;
  node_records(img, out);
  topic_records(img, out);
  config_records(topic_resource, img.topic_configs, out);
  config_records(broker_resource, img.broker_configs, out);
  return out;
}

protocol::byte_buffer encode_snapshot(const image& img, snapshot_id id, int64_t timestamp_ms) {
  auto records = image_records(img);
  protocol::byte_buffer body;
  for (size_t i = 0; i < records.size(); i += records_per_batch) {
    auto end = std::min(records.size(), i + records_per_batch);
    std::vector<record> chunk(records.begin() + static_cast<std::ptrdiff_t>(i),
                              records.begin() + static_cast<std::ptrdiff_t>(end));
    auto batch = encode_batch(chunk, timestamp_ms);
    body.insert(body.end(), batch.begin(), batch.end());
  }
  protocol::byte_buffer out(magic.begin(), magic.end());
  protocol::writer w(out);
  w.i16(format_version);
  w.i64(id.end_offset);
  w.i32(id.epoch);
  w.i32(static_cast<int32_t>(body.size()));
  w.u32(0); // patched below, once the body is in place
  out.insert(out.end(), body.begin(), body.end());
  auto crc = snapshot_crc(out);
  for (int i = 0; i < 4; ++i)
    out[crc_field + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return out;
}

result<snapshot_id> peek_snapshot_id(std::span<const uint8_t> bytes) {
  auto h = read_header(bytes);
  return {h.value.id, h.error};
}

result<snapshot> decode_snapshot(std::span<const uint8_t> bytes) {
  result<snapshot> out;
  auto h = read_header(bytes);
  if (!h.ok()) {
    out.error = h.error;
    return out;
  }
  auto body = bytes.subspan(header_size);
  if (snapshot_crc(bytes) != h.value.crc) {
    out.error = "metadata snapshot fails its CRC";
    return out;
  }
  out.value.id = h.value.id;
  if (body.empty()) return out; // an empty image
  auto recs = decode_batch(body);
  if (!recs.ok()) {
    out.error = "metadata snapshot body: " + recs.error;
    return out;
  }
  metadata::apply(out.value.img, recs.value);
  return out;
}

} // namespace caudal::metadata
