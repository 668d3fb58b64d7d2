#include "metadata/records.h"

#include <type_traits>

#include "protocol/record_batch.h"
#include "protocol/record_builder.h"

namespace caudal::metadata {

using protocol::byte_buffer;
using protocol::reader;
using protocol::writer;

namespace {

// ---- field helpers ----------------------------------------------------------
// Strings carry an int32 length (not Kafka's int16) so long config values
// cannot be silently truncated; -1 is null for optional strings.

void put(writer& w, const std::string& s) {
  w.i32(static_cast<int32_t>(s.size()));
  w.raw(s);
}
void put(writer& w, const std::optional<std::string>& s) {
  if (!s) return w.i32(-1);
  put(w, *s);
}
void put(writer& w, const std::vector<node_id>& v) {
  w.i32(static_cast<int32_t>(v.size()));
  for (auto n : v) w.i32(n);
}
void put(writer& w, const std::optional<std::vector<node_id>>& v) {
  if (!v) return w.i32(-1);
  put(w, *v);
}
void put(writer& w, const uuid& u) { protocol::wire::write_uuid(w, u); }

/// A length that may be -1 (null) and must fit the bytes left, counting
/// `unit` bytes per element, so a hostile length never drives an allocation.
int32_t get_len(reader& r, size_t unit) {
  int32_t n = r.i32();
  if (n < -1 || (n > 0 && static_cast<size_t>(n) > r.remaining() / unit)) {
    r.fail();
    return 0;
  }
  return r.ok() ? n : 0;
}
void get(reader& r, std::optional<std::string>& s) {
  int32_t n = get_len(r, 1);
  if (n < 0) return s.reset();
  auto bytes = r.take(static_cast<size_t>(n));
  s.emplace(bytes.begin(), bytes.end());
}
void get(reader& r, std::string& s) {
  std::optional<std::string> o;
  get(r, o);
  if (!o) return r.fail();
  s = std::move(*o);
}
void get(reader& r, std::optional<std::vector<node_id>>& v) {
  int32_t n = get_len(r, 4);
  if (n < 0) return v.reset();
  v.emplace();
  v->reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v->push_back(r.i32());
}
void get(reader& r, std::vector<node_id>& v) {
  std::optional<std::vector<node_id>> o;
  get(r, o);
  if (!o) return r.fail();
  v = std::move(*o);
}
void get(reader& r, uuid& u) { u = protocol::wire::read_uuid(r); }
bool get_bool(reader& r) {
  uint8_t b = r.u8();
  if (b > 1) r.fail(); // one canonical encoding per value
  return b == 1;
}

// ---- per-record layouts -------------------------------------------------------

void put_fields(writer& w, const register_node& x) {
  w.i32(x.id);
  w.i64(static_cast<int64_t>(x.incarnation));
  put(w, x.host);
  w.u16(x.port);
  put(w, x.peer_host);
  w.u16(x.peer_port);
  put(w, x.rack);
}
void get_fields(reader& r, register_node& x) {
  x.id = r.i32();
  x.incarnation = static_cast<uint64_t>(r.i64());
  get(r, x.host);
  x.port = r.u16();
  get(r, x.peer_host);
  x.peer_port = r.u16();
  get(r, x.rack);
}
void put_fields(writer& w, const fence_node& x) { w.i32(x.id); }
void get_fields(reader& r, fence_node& x) { x.id = r.i32(); }
void put_fields(writer& w, const unfence_node& x) { w.i32(x.id); }
void get_fields(reader& r, unfence_node& x) { x.id = r.i32(); }
void put_fields(writer& w, const decommission_node& x) { w.i32(x.id); }
void get_fields(reader& r, decommission_node& x) { x.id = r.i32(); }
void put_fields(writer& w, const topic_record& x) {
  put(w, x.name);
  put(w, x.id);
  w.boolean(x.internal);
}
void get_fields(reader& r, topic_record& x) {
  get(r, x.name);
  get(r, x.id);
  x.internal = get_bool(r);
}
void put_fields(writer& w, const partition_record& x) {
  put(w, x.topic);
  w.i32(x.partition);
  put(w, x.replicas);
  w.i32(x.leader);
  w.i32(x.leader_epoch);
  put(w, x.isr);
  put(w, x.adding);
  put(w, x.removing);
}
void get_fields(reader& r, partition_record& x) {
  get(r, x.topic);
  x.partition = r.i32();
  get(r, x.replicas);
  x.leader = r.i32();
  x.leader_epoch = r.i32();
  get(r, x.isr);
  get(r, x.adding);
  get(r, x.removing);
}
void put_fields(writer& w, const partition_change& x) {
  put(w, x.topic);
  w.i32(x.partition);
  w.boolean(x.leader.has_value());
  w.i32(x.leader.value_or(no_leader));
  w.i32(x.leader_epoch);
  put(w, x.isr);
  put(w, x.replicas);
  put(w, x.adding);
  put(w, x.removing);
}
void get_fields(reader& r, partition_change& x) {
  get(r, x.topic);
  x.partition = r.i32();
  bool has_leader = get_bool(r);
  node_id leader = r.i32();
  if (has_leader) x.leader = leader;
  x.leader_epoch = r.i32();
  get(r, x.isr);
  get(r, x.replicas);
  get(r, x.adding);
  get(r, x.removing);
}
void put_fields(writer& w, const config_record& x) {
  w.i8(x.resource_type);
  put(w, x.resource_name);
  put(w, x.key);
  put(w, x.value);
}
void get_fields(reader& r, config_record& x) {
  x.resource_type = r.i8();
  get(r, x.resource_name);
  get(r, x.key);
  get(r, x.value);
}
void put_fields(writer& w, const remove_topic& x) { put(w, x.id); }
void get_fields(reader& r, remove_topic& x) { get(r, x.id); }
void put_fields(writer& w, const reassignment_goal& x) {
  put(w, x.topic);
  w.i32(x.partition);
  put(w, x.target);
}
void get_fields(reader& r, reassignment_goal& x) {
  get(r, x.topic);
  x.partition = r.i32();
  get(r, x.target);
}

/// Decodes the value of the variant alternative `I` when its type matches.
template <size_t I = 0>
bool decode_as(int16_t type, reader& r, record& out) {
  if constexpr (I == std::variant_size_v<record>) {
    return false;
  } else {
    // Alternative I has record type I + 1 (see type_of).
    if (type != static_cast<int16_t>(I + 1)) return decode_as<I + 1>(type, r, out);
    std::variant_alternative_t<I, record> x;
    get_fields(r, x);
    out = std::move(x);
    return true;
  }
}

} // namespace

record_type type_of(const record& r) {
  // The variant's alternatives are listed in record_type order, starting at 1.
  return static_cast<record_type>(r.index() + 1);
}

byte_buffer encode_key(const record& r) {
  byte_buffer out;
  writer w(out);
  w.i16(static_cast<int16_t>(type_of(r)));
  w.i16(record_version);
  return out;
}

byte_buffer encode_value(const record& r) {
  byte_buffer out;
  writer w(out);
  std::visit([&](const auto& x) { put_fields(w, x); }, r);
  return out;
}

result<record> decode_record(std::span<const uint8_t> key, std::span<const uint8_t> value) {
  reader k(key);
  int16_t type = k.i16();
  int16_t version = k.i16();
  if (!k.at_end()) return {{}, "metadata record key is not 4 bytes"};
  if (version != record_version)
    return {{}, "unsupported metadata record version " + std::to_string(version)};
  result<record> out;
  reader v(value);
  if (!decode_as(type, v, out.value))
    return {{}, "unknown metadata record type " + std::to_string(type)};
  if (!v.at_end())
    return {{},
            "malformed metadata record of type " + std::to_string(type) +
                (v.ok() ? " (trailing bytes)" : " (truncated)")};
  return out;
}

byte_buffer encode_batch(const std::vector<record>& records, int64_t timestamp_ms) {
  protocol::batch_builder b;
  for (const auto& r : records) {
    auto key = encode_key(r);
    auto value = encode_value(r);
    b.add(timestamp_ms, std::span<const uint8_t>(key), std::span<const uint8_t>(value));
  }
  return b.build();
}

namespace {

/// Appends the records of one non-control batch; returns an error message.
std::string decode_one_batch(std::span<const uint8_t> batch, std::vector<record>& out) {
  std::string error;
  auto visit = [&](const protocol::record_view& v) {
    if (!v.key || !v.value) {
      error = "metadata record without key or value";
      return false;
    }
    auto r = decode_record(*v.key, *v.value);
    if (!r.ok()) {
      error = std::move(r.error);
      return false;
    }
    out.push_back(std::move(r.value));
    return true;
  };
  auto e = protocol::visit_records(batch, visit);
  if (e != protocol::batch_error::none) return std::string("bad batch: ") + protocol::to_string(e);
  return error;
}

} // namespace

result<std::vector<record>> decode_batch(std::span<const uint8_t> batches) {
  std::vector<protocol::batch_span> spans;
  if (auto e = protocol::split_batches(batches, spans); e != protocol::batch_error::none)
    return {{}, std::string("bad record set: ") + protocol::to_string(e)};
  result<std::vector<record>> out;
  for (const auto& s : spans) {
    auto batch = batches.subspan(s.position, s.size());
    if (s.header.is_control()) {
      // Still reject corruption: a torn marker must not hide a torn log.
      if (auto e = protocol::check_batch_integrity(batch); e != protocol::batch_error::none)
        return {{}, std::string("bad control batch: ") + protocol::to_string(e)};
      continue;
    }
    if (auto err = decode_one_batch(batch, out.value); !err.empty()) return {{}, err};
  }
  return out;
}

} // namespace caudal::metadata
