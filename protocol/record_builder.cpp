#include "protocol/record_builder.h"

#include <algorithm>
#include <bit>

#include "protocol/crc32c.h"

namespace caudal::protocol {
namespace {

void put_nullable(writer& w, optional_bytes bytes) {
  if (!bytes) {
    w.varint(-1);
    return;
  }
  w.varint(static_cast<int32_t>(bytes->size()));
  w.raw(*bytes);
}

optional_bytes as_bytes(std::optional<std::string_view> s) {
  if (!s) return std::nullopt;
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s->data()), s->size());
}

} // namespace

void batch_builder::add(int64_t timestamp_ms, optional_bytes key, optional_bytes value,
                        std::span<const record_header> headers) {
  if (count_ == 0) base_timestamp_ = max_timestamp_ = timestamp_ms;
  max_timestamp_ = std::max(max_timestamp_, timestamp_ms);
  // The body is encoded first because the record starts with its length.
  byte_buffer body;
  writer b(body);
  b.i8(0); // record attributes: unused
  // Wrapping subtraction: timestamps are caller data, overflow must not be UB.
  b.varlong(static_cast<int64_t>(static_cast<uint64_t>(timestamp_ms) -
                                 static_cast<uint64_t>(base_timestamp_)));
  b.varint(count_);
  put_nullable(b, key);
  put_nullable(b, value);
  b.varint(static_cast<int32_t>(headers.size()));
  for (const auto& h : headers) {
    b.varint(static_cast<int32_t>(h.key.size()));
    b.raw(std::string_view(h.key));
    put_nullable(b, h.value ? optional_bytes(*h.value) : std::nullopt);
  }
  writer w(records_);
  w.varint(static_cast<int32_t>(body.size()));
  w.raw(body);
  ++count_;
}

void batch_builder::add_text(int64_t timestamp_ms, std::optional<std::string_view> key,
                             std::optional<std::string_view> value,
                             std::span<const record_header> headers) {
  add(timestamp_ms, as_bytes(key), as_bytes(value), headers);
}

void batch_builder::write_header(writer& w) const {
  w.i64(base_offset_);
  w.i32(0); // batch_length, patched once the size is known
  w.i32(partition_leader_epoch_);
  w.i8(current_magic);
  w.u32(0); // crc, patched last
  w.i16(static_cast<int16_t>(attributes_ | static_cast<int16_t>(compression_)));
  w.i32(count_ > 0 ? count_ - 1 : 0);
  w.i64(base_timestamp_);
  w.i64(max_timestamp_);
  w.i64(producer_id_);
  w.i16(producer_epoch_);
  w.i32(base_sequence_);
  w.i32(count_);
}

byte_buffer batch_builder::build() const {
  byte_buffer out;
  out.reserve(batch_header_size + records_.size());
  writer w(out);
  write_header(w);
  if (!compress(compression_, records_, out)) return {};
  w.patch_i32(batch_length_offset, static_cast<int32_t>(out.size() - 12));
  w.patch_i32(crc_offset, std::bit_cast<int32_t>(compute_batch_crc(out)));
  return out;
}

void batch_builder::clear() {
  records_.clear();
  count_ = 0;
  base_timestamp_ = max_timestamp_ = -1;
}

byte_buffer build_control_batch(control_type type, int64_t producer_id, int16_t producer_epoch,
                                int32_t coordinator_epoch, int64_t timestamp_ms,
                                int64_t base_offset, int32_t partition_leader_epoch) {
  byte_buffer key;
  writer k(key);
  k.i16(0); // control record key version
  k.i16(static_cast<int16_t>(type));
  byte_buffer value;
  writer v(value);
  v.i16(0); // end transaction marker version
  v.i32(coordinator_epoch);
  batch_builder b;
  b.producer(producer_id, producer_epoch, -1)
      .transactional(true)
      .control(true)
      .base_offset(base_offset)
      .partition_leader_epoch(partition_leader_epoch);
  b.add(timestamp_ms, key, value);
  return b.build();
}

namespace {
// A compact array of LeaderChangeMessage's Voter struct: length + 1, then each
// voter id followed by its (empty) tagged fields.
void put_voters(writer& w, std::span<const int32_t> voters) {
  w.uvarint(voters.size() + 1);
  for (int32_t id : voters) {
    w.i32(id);
    w.uvarint(0);
  }
}
} // namespace

byte_buffer build_leader_change_batch(int32_t leader_epoch, int32_t leader_id,
                                      std::span<const int32_t> voters, int64_t timestamp_ms,
                                      std::span<const int32_t> granting_voters) {
  byte_buffer key;
  writer k(key);
  k.i16(0); // control record key version
  k.i16(2); // LEADER_CHANGE
  byte_buffer value;
  writer v(value);
  v.i16(0); // LeaderChangeMessage version
  v.i32(leader_id);
  put_voters(v, voters);
  put_voters(v, granting_voters);
  v.uvarint(0); // no tagged fields
  batch_builder b;
  b.control(true).partition_leader_epoch(leader_epoch);
  b.add(timestamp_ms, key, value);
  return b.build();
}

} // namespace caudal::protocol
