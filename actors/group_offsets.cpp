#include "actors/group_offsets.h"

#include <algorithm>

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

namespace {

/// One record of the offsets log; records of other groups or of other types
/// (Kafka's group metadata records, key version 2) leave `offsets` alone.
void apply_offset_record(const protocol::record_view& r, const std::string& group,
                         offsets_map& offsets) {
  if (!r.key) return;
  auto key = decode_offset_key(*r.key);
  if (!key || key->group != group) return;
  std::pair<std::string, int32_t> where{key->topic, key->partition};
  if (!r.value) {
    offsets.erase(where);
    return;
  }
  if (auto v = decode_offset_value(*r.value)) offsets[where] = *v;
}

} // namespace

protocol::batch_error replay_offsets(std::span<const uint8_t> record_set, const std::string& group,
                                     int64_t& next_offset, offsets_map& offsets) {
  std::vector<protocol::batch_span> batches;
  auto err = protocol::split_batches(record_set, batches);
  for (auto& b : batches) {
    if (b.header.last_offset() < next_offset) continue; // read again: applied already
    auto bytes = record_set.subspan(b.position, b.size());
    if (!b.header.is_control()) {
      auto base = b.header.base_offset;
      auto from = next_offset;
      auto e = protocol::visit_records(bytes, [&](const protocol::record_view& r) {
        if (base + r.offset_delta >= from) apply_offset_record(r, group, offsets);
        return true;
      });
      if (e != protocol::batch_error::none) return e;
    }
    next_offset = b.header.last_offset() + 1;
  }
  return err;
}

bool is_cluster(const metadata_snapshot& snap) { return !snap.brokers.empty(); }

int16_t offsets_replication_factor(const metadata_snapshot& snap, int16_t configured) {
  if (!is_cluster(snap)) return 1;
  auto brokers = static_cast<int16_t>(std::min<size_t>(snap.brokers.size(), INT16_MAX));
  return std::max<int16_t>(1, std::min(configured, brokers));
}

namespace {

/// Index of the group's offsets partition in `t`, or -1 for a topic without partitions.
int32_t offsets_index(const topic_entry& t, const std::string& group) {
  auto n = static_cast<int32_t>(t.partitions.size());
  if (n == 0) return -1;
  return offsets_partition_for(group, n);
}

} // namespace

coordinator_location locate_coordinator(const metadata_snapshot& snap, const std::string& group,
                                        const coordinator_location& self) {
  if (!is_cluster(snap)) return self;
  coordinator_location none;
  none.error = 15; // COORDINATOR_NOT_AVAILABLE: retriable, the client asks again
  auto* t = snap.find(offsets_topic);
  if (!t) return none;
  auto p = offsets_index(*t, group);
  if (p < 0 || static_cast<size_t>(p) >= t->views.size()) return none;
  auto leader = t->views[static_cast<size_t>(p)].leader;
  for (auto& b : snap.brokers)
    if (b.id == leader && leader >= 0) return {0, b.id, b.host, b.port};
  return none;
}

caf::actor offsets_replica(const metadata_snapshot& snap, const std::string& group) {
  auto* t = snap.find(offsets_topic);
  if (!t) return {};
  auto p = offsets_index(*t, group);
  return p < 0 ? caf::actor{} : t->partitions[static_cast<size_t>(p)];
}

int16_t coordinator_precheck(const metadata_snapshot& snap, const std::string& group) {
  if (!is_cluster(snap)) return 0;
  if (!snap.find(offsets_topic)) return 15;     // COORDINATOR_NOT_AVAILABLE until it exists
  return offsets_replica(snap, group) ? 0 : 16; // NOT_COORDINATOR: look elsewhere
}

} // namespace caudal::actors
