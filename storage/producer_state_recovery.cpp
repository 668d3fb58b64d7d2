// Rebuilding producer state on open: newest snapshot at or below the log end,
// then a replay of the batches after it.

#include "storage/partition_log.h"
#include "storage/producer_state.h"

namespace caudal::storage {
namespace {

result<std::optional<producer_state_table>> read_snapshot(filesystem& fs, const std::string& path) {
  auto f = fs.open(path, open_mode::existing);
  if (!f) return std::move(f).error();
  std::vector<uint8_t> bytes((*f)->size());
  auto n = (*f)->read_at(0, bytes);
  if (!n) return std::move(n).error();
  bytes.resize(*n);
  return producer_state_table::decode(bytes);
}

/// Replays the idempotent batches in [from, log end); batch max timestamps
/// stand in for the append time (as Kafka does when it rebuilds).
result<size_t> replay(partition_log& log, int64_t from, producer_state_table& table) {
  size_t replayed = 0;
  int64_t offset = from;
  std::vector<protocol::batch_span> spans;
  while (offset < log.log_end_offset()) {
    auto r = log.read(offset, 1 << 20);
    if (!r) return std::move(r).error();
    if (r->bytes.empty() || r->next_offset <= offset) break;
    if (protocol::split_batches(r->bytes, spans) != protocol::batch_error::none)
      return make_error(errc::corrupt, "unreadable batch while rebuilding producer state");
    for (const auto& s : spans) {
      if (s.header.last_offset() < from || s.header.producer_id < 0) continue;
      table.update(s.header, s.header.max_timestamp);
      ++replayed;
    }
    offset = r->next_offset;
  }
  return replayed;
}

} // namespace

result<loaded_producer_state> load_producer_state(filesystem& fs, partition_log& log) {
  loaded_producer_state out;
  auto offsets = list_snapshots(fs, log.dir());
  if (!offsets) return std::move(offsets).error();
  for (auto it = offsets->rbegin(); it != offsets->rend(); ++it) {
    auto path = join_path(log.dir(), snapshot_file_name(*it));
    if (*it > log.log_end_offset()) { // the log lost what this snapshot covers
      CAUDAL_TRY(fs.remove(path));
      continue;
    }
    if (out.from_snapshot) continue;
    auto snap = read_snapshot(fs, path);
    if (!snap) return std::move(snap).error();
    if (!*snap) continue; // torn or foreign file: fall back to an older one
    out.table = std::move(**snap);
    out.next_offset = *it;
    out.from_snapshot = true;
  }
  out.next_offset = std::max(out.next_offset, log.log_start_offset());
  auto n = replay(log, out.next_offset, out.table);
  if (!n) return std::move(n).error();
  out.batches_replayed = *n;
  return out;
}

} // namespace caudal::storage
