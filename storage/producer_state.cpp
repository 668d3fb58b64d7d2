#include "storage/producer_state.h"

#include "protocol/bytes.h"
#include "protocol/crc32c.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace caudal::storage {
namespace {

constexpr uint32_t snapshot_magic = 0x43505331; // "CPS1"
constexpr int32_t snapshot_version = 1;
constexpr std::string_view snapshot_suffix = ".snapshot";
constexpr size_t offset_digits = 20;

bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return next_seq == (last_seq == std::numeric_limits<int32_t>::max() ? 0 : last_seq + 1);
}

sequence_check verdict(sequence_verdict v, std::string message) {
  sequence_check c;
  c.verdict = v;
  c.message = std::move(message);
  return c;
}

/// Checks that do not depend on what is known about the producer.
std::optional<sequence_check> check_shape(const protocol::batch_header& h) {
  if (h.is_control())
    return verdict(sequence_verdict::invalid_record, "control batches cannot be produced");
  if (h.records_count <= 0)
    return verdict(sequence_verdict::invalid_record, "batch holds no records");
  if (h.producer_id < 0) return std::nullopt;
  if (h.is_transactional())
    return verdict(sequence_verdict::invalid_record, "transactions are not supported");
  if (h.producer_epoch < 0 || h.base_sequence < 0)
    return verdict(sequence_verdict::invalid_record,
                   "idempotent batch with a negative producer epoch or base sequence");
  return std::nullopt;
}

} // namespace

int32_t increment_sequence(int32_t first, int32_t delta) {
  constexpr int32_t max = std::numeric_limits<int32_t>::max();
  if (delta < 0) return first;
  if (first > max - delta) return delta - (max - first) - 1;
  return first + delta;
}

sequence_check producer_state_table::check(const protocol::batch_header& h) const {
  if (auto bad = check_shape(h)) return *bad;
  if (h.producer_id < 0) return {};
  auto last_seq = increment_sequence(h.base_sequence, h.last_offset_delta);
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end() || it->second.batches.empty()) {
    if (h.base_sequence != 0)
      return verdict(sequence_verdict::unknown_producer,
                     fmt::format("no state for producer id {} and sequence {} is not 0",
                                 h.producer_id, h.base_sequence));
    return {};
  }
  const auto& e = it->second;
  if (h.producer_epoch < e.epoch)
    return verdict(sequence_verdict::fenced_epoch,
                   fmt::format("producer epoch {} is older than the current epoch {}",
                               h.producer_epoch, e.epoch));
  if (h.producer_epoch > e.epoch) {
    if (h.base_sequence != 0)
      return verdict(sequence_verdict::out_of_order,
                     fmt::format("new epoch {} must start at sequence 0, not {}", h.producer_epoch,
                                 h.base_sequence));
    return {};
  }
  for (const auto& b : e.batches) {
    if (b.first_seq == h.base_sequence && b.last_seq == last_seq) {
      sequence_check dup;
      dup.verdict = sequence_verdict::duplicate;
      dup.duplicate_of = b;
      return dup;
    }
  }
  auto last = e.batches.back().last_seq;
  if (!in_sequence(last, h.base_sequence))
    return verdict(sequence_verdict::out_of_order,
                   fmt::format("expected sequence {} but got {} (producer id {})",
                               increment_sequence(last, 1), h.base_sequence, h.producer_id));
  return {};
}

void producer_state_table::update(const protocol::batch_header& h, int64_t now_ms) {
  if (h.producer_id < 0 || h.is_control()) return;
  auto& e = producers_[h.producer_id];
  if (h.producer_epoch != e.epoch) {
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back({h.base_sequence, increment_sequence(h.base_sequence, h.last_offset_delta),
                       h.base_offset, h.last_offset(), h.max_timestamp});
  while (e.batches.size() > max_batches) e.batches.pop_front();
  e.last_update_ms = std::max(e.last_update_ms, now_ms);
}

size_t producer_state_table::expire(int64_t now_ms, int64_t expiration_ms) {
  return std::erase_if(producers_, [&](const auto& kv) {
    return now_ms - kv.second.last_update_ms >= expiration_ms;
  });
}

const producer_entry* producer_state_table::find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

std::vector<uint8_t> producer_state_table::encode() const {
  protocol::byte_buffer out;
  protocol::writer w{out};
  w.u32(snapshot_magic);
  w.i32(snapshot_version);
  w.i32(static_cast<int32_t>(producers_.size()));
  for (const auto& [id, e] : producers_) {
    w.i64(id);
    w.i16(e.epoch);
    w.i64(e.last_update_ms);
    w.i32(static_cast<int32_t>(e.batches.size()));
    for (const auto& b : e.batches) {
      w.i32(b.first_seq);
      w.i32(b.last_seq);
      w.i64(b.first_offset);
      w.i64(b.last_offset);
      w.i64(b.timestamp);
    }
  }
  w.u32(protocol::crc32c(out));
  return std::vector<uint8_t>(out.begin(), out.end());
}

std::optional<producer_state_table> producer_state_table::decode(std::span<const uint8_t> bytes) {
  if (bytes.size() < 16) return std::nullopt;
  auto body = bytes.first(bytes.size() - 4);
  protocol::reader tail{bytes.subspan(bytes.size() - 4)};
  if (tail.u32() != protocol::crc32c(body)) return std::nullopt;
  protocol::reader r{body};
  if (r.u32() != snapshot_magic || r.i32() != snapshot_version) return std::nullopt;
  auto count = r.i32();
  producer_state_table t;
  for (int32_t i = 0; r.ok() && i < count; ++i) {
    auto id = r.i64();
    producer_entry e;
    e.epoch = r.i16();
    e.last_update_ms = r.i64();
    auto n = r.i32();
    if (n < 0 || static_cast<size_t>(n) > max_batches) return std::nullopt;
    for (int32_t j = 0; j < n && r.ok(); ++j) {
      producer_batch b;
      b.first_seq = r.i32();
      b.last_seq = r.i32();
      b.first_offset = r.i64();
      b.last_offset = r.i64();
      b.timestamp = r.i64();
      e.batches.push_back(b);
    }
    t.producers_[id] = std::move(e);
  }
  if (!r.ok() || !r.at_end() || count < 0) return std::nullopt;
  return t;
}

std::string snapshot_file_name(int64_t offset) {
  return fmt::format("{:020d}{}", offset, snapshot_suffix);
}

result<std::vector<int64_t>> list_snapshots(filesystem& fs, const std::string& dir) {
  auto names = fs.list_dir(dir);
  if (!names) return std::move(names).error();
  std::vector<int64_t> out;
  for (const auto& n : *names) {
    if (n.size() != offset_digits + snapshot_suffix.size() || !n.ends_with(snapshot_suffix))
      continue;
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(n.data(), n.data() + offset_digits, v);
    if (ec == std::errc{} && ptr == n.data() + offset_digits && v >= 0) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

status write_snapshot(filesystem& fs, const std::string& dir, int64_t offset,
                      const producer_state_table& table, size_t keep) {
  auto path = join_path(dir, snapshot_file_name(offset));
  auto tmp = path + ".tmp";
  auto bytes = table.encode();
  {
    auto f = fs.open(tmp, open_mode::create_truncate);
    if (!f) return std::move(f).error();
    CAUDAL_TRY((*f)->append(bytes));
    CAUDAL_TRY((*f)->sync());
  }
  CAUDAL_TRY(fs.rename(tmp, path));
  CAUDAL_TRY(fs.sync_dir(dir));
  auto all = list_snapshots(fs, dir);
  if (!all) return std::move(all).error();
  for (size_t i = 0; i + keep < all->size(); ++i)
    CAUDAL_TRY(fs.remove(join_path(dir, snapshot_file_name((*all)[i]))));
  return ok();
}

} // namespace caudal::storage
