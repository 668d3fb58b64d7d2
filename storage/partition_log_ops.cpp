// partition_log: reads, timestamp lookups, retention and truncation.

#include "storage/partition_log.h"

#include <fmt/format.h>

#include <algorithm>

namespace caudal::storage {

namespace p = caudal::protocol;

// ---------------------------------------------------------------- read

size_t partition_log::segment_index_for(int64_t offset) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](int64_t o, const auto& s) { return o < s->base_offset(); });
  return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin()) - 1;
}

result<read_result> partition_log::read(int64_t offset, size_t max_bytes, int64_t max_offset,
                                        bool min_one_batch) {
  CAUDAL_TRY(check_usable());
  if (offset < log_start_ || offset > leo_)
    return make_error(errc::offset_out_of_range,
                      fmt::format("offset {} outside [{}, {}]", offset, log_start_, leo_));
  read_result empty{{}, offset};
  if (offset >= std::min(leo_, max_offset)) return empty;
  for (size_t i = segment_index_for(offset); i < segments_.size(); ++i) {
    auto loc = segments_[i]->find(offset);
    if (!loc) return std::move(loc).error();
    if (*loc) return read_from(*segments_[i], **loc, offset, max_bytes, max_offset, min_one_batch);
  }
  return empty;
}

// One pread of up to max_bytes, then whole batches are counted in memory.
result<read_result> partition_log::read_from(const segment& seg, const batch_location& first,
                                             int64_t offset, size_t max_bytes, int64_t max_offset,
                                             bool min_one_batch) {
  read_result out{{}, offset};
  size_t first_size = first.header.total_size();
  if (first.header.last_offset() >= max_offset || (first_size > max_bytes && !min_one_batch))
    return out;
  uint64_t available = seg.size() - first.position;
  out.bytes.resize(std::min<uint64_t>(std::max(max_bytes, first_size), available));
  auto n = seg.read(first.position, out.bytes);
  if (!n) return std::move(n).error();
  if (*n < first_size) return make_error(errc::corrupt, "short read in " + dir_);
  size_t total = 0;
  while (total < *n) {
    auto h = p::read_batch_header(std::span(out.bytes).subspan(total, *n - total));
    if (!h || h->batch_length < p::min_batch_length || h->last_offset() >= max_offset ||
        total + h->total_size() > *n)
      break;
    total += h->total_size();
    out.next_offset = h->last_offset() + 1;
  }
  out.bytes.resize(total);
  return out;
}

// ---------------------------------------------------------------- timestamps

namespace {
// First record of `batch` at or above `min_offset` whose timestamp satisfies `pred`.
template <class Pred>
result<std::optional<timestamp_offset>> find_record(std::span<const uint8_t> batch,
                                                    const p::batch_header& h, int64_t min_offset,
                                                    Pred pred) {
  std::optional<timestamp_offset> found;
  if (h.log_append_time()) {
    // Every record carries the batch's max timestamp.
    if (pred(h.max_timestamp))
      found = timestamp_offset{h.max_timestamp, std::max(h.base_offset, min_offset)};
    return found;
  }
  auto e = p::visit_records(batch, [&](const p::record_view& r) {
    int64_t offset = h.base_offset + r.offset_delta;
    int64_t ts = h.base_timestamp + r.timestamp_delta;
    if (offset < min_offset || !pred(ts)) return true;
    found = timestamp_offset{ts, offset};
    return false;
  });
  if (e != p::batch_error::none) return make_error(errc::corrupt, p::to_string(e));
  return found;
}
} // namespace

result<std::optional<timestamp_offset>>
partition_log::scan_for_timestamp(const segment& seg, int64_t from, int64_t ts_ms) {
  auto loc = seg.find(from);
  if (!loc) return std::move(loc).error();
  if (!*loc) return std::optional<timestamp_offset>{};
  uint64_t pos = (*loc)->position;
  while (pos < seg.size()) {
    auto h = seg.header_at(pos);
    if (!h) return std::move(h).error();
    if (h->max_timestamp >= ts_ms && h->last_offset() >= log_start_) {
      std::vector<uint8_t> batch(h->total_size());
      auto n = seg.read(pos, batch);
      if (!n) return std::move(n).error();
      auto r = find_record(batch, *h, log_start_, [&](int64_t ts) { return ts >= ts_ms; });
      if (!r || *r) return r;
    }
    pos += h->total_size();
  }
  return std::optional<timestamp_offset>{};
}

result<std::optional<timestamp_offset>> partition_log::offset_for_timestamp(int64_t ts_ms) {
  CAUDAL_TRY(check_usable());
  for (const auto& seg : segments_) {
    if (seg->max_timestamp() < ts_ms || seg->next_offset() <= log_start_) continue;
    // Entries below ts_ms prove nothing earlier reaches ts_ms: start there.
    int64_t from = std::max(seg->base_offset(), log_start_);
    if (ts_ms > 0) from = std::max(from, seg->time_index_lookup(ts_ms - 1));
    auto r = scan_for_timestamp(*seg, from, ts_ms);
    if (!r || *r) return r;
  }
  return std::optional<timestamp_offset>{};
}

result<std::optional<timestamp_offset>> partition_log::max_timestamp() {
  CAUDAL_TRY(check_usable());
  const segment* best = nullptr;
  for (const auto& seg : segments_)
    if (seg->next_offset() > log_start_ && (!best || seg->max_timestamp() > best->max_timestamp()))
      best = seg.get();
  if (!best || best->max_timestamp() < 0) return std::optional<timestamp_offset>{};
  int64_t max_ts = best->max_timestamp();
  auto loc = best->find(std::max(best->max_timestamp_batch(), log_start_));
  if (!loc) return std::move(loc).error();
  if (!*loc) return std::optional<timestamp_offset>{};
  const auto& h = (*loc)->header;
  std::vector<uint8_t> batch(h.total_size());
  auto n = best->read((*loc)->position, batch);
  if (!n) return std::move(n).error();
  return find_record(batch, h, log_start_, [&](int64_t ts) { return ts == max_ts; });
}

// ---------------------------------------------------------------- retention

// How many leading segments may go: those entirely below the log start, or
// breaching retention.ms (by their largest timestamp) or retention.bytes;
// stops at the first keeper, at an empty active segment, and at data not yet
// below the high watermark.
size_t partition_log::count_deletable(int64_t now_ms, int64_t high_watermark) const {
  int64_t excess = config_.retention_bytes >= 0 ? size_bytes() - config_.retention_bytes : -1;
  size_t count = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const auto& seg = *segments_[i];
    bool last = i + 1 == segments_.size();
    int64_t upper = last ? leo_ : segments_[i + 1]->base_offset();
    if (upper > high_watermark || (last && seg.empty())) break;
    auto size = static_cast<int64_t>(seg.size());
    bool below_start = upper <= log_start_;
    bool expired = config_.retention_ms >= 0 && seg.max_timestamp() >= 0 &&
                   now_ms - seg.max_timestamp() > config_.retention_ms;
    bool too_big = excess >= 0 && excess - size >= 0;
    if (!below_start && !expired && !too_big) break;
    excess -= size;
    ++count;
  }
  return count;
}

result<size_t> partition_log::enforce_retention(int64_t now_ms, int64_t high_watermark) {
  CAUDAL_TRY(check_usable());
  size_t count = count_deletable(now_ms, high_watermark);
  if (count == 0) return size_t{0};
  // Kafka rolls so that an expired active segment can go too.
  if (count == segments_.size()) CAUDAL_TRY(roll(now_ms));
  CAUDAL_TRY(delete_oldest(count));
  return count;
}

// The new log start is made durable before any file goes, so a crash in
// between leaves segments that open() recognises as below the start.
status partition_log::delete_oldest(size_t count) {
  log_start_ = std::max(log_start_, segments_[count]->base_offset());
  CAUDAL_TRY(save_checkpoint());
  CAUDAL_TRY(epochs_follow_start());
  for (size_t i = 0; i < count; ++i)
    if (auto st = segments_[i]->remove_files(fs_, dir_); !st) return fail(st.error());
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(count));
  return fs_.sync_dir(dir_);
}

status partition_log::delete_records_before(int64_t offset) {
  CAUDAL_TRY(check_usable());
  if (offset > leo_ || offset < 0)
    return make_error(errc::offset_out_of_range,
                      fmt::format("delete before {} beyond log end {}", offset, leo_));
  if (offset <= log_start_) return ok();
  log_start_ = offset;
  size_t below = 0;
  while (below + 1 < segments_.size() && segments_[below + 1]->base_offset() <= offset) ++below;
  if (below == 0) {
    CAUDAL_TRY(save_checkpoint());
    return epochs_follow_start();
  }
  return delete_oldest(below);
}

// After the log start moved (checkpointed first: a crash in between is
// repaired by open(), which moves the cache to the checkpointed start).
status partition_log::epochs_follow_start() {
  if (auto st = epochs_.truncate_from_start(log_start_); !st) return fail(st.error());
  return ok();
}

// ---------------------------------------------------------------- truncation

status partition_log::truncate_to(int64_t offset) {
  CAUDAL_TRY(check_usable());
  if (offset >= leo_) return ok();
  if (offset <= log_start_) return truncate_fully_and_start_at(offset);
  while (segments_.size() > 1 && segments_.back()->base_offset() >= offset) {
    if (auto st = segments_.back()->remove_files(fs_, dir_); !st) return fail(st.error());
    segments_.pop_back();
  }
  auto& active = *segments_.back();
  if (auto st = active.truncate_to(offset, config_.index_interval_bytes); !st)
    return fail(st.error());
  if (auto st = active.flush(); !st) return fail(st.error());
  CAUDAL_TRY(fs_.sync_dir(dir_));
  leo_ = active.next_offset();
  // The cut batch straddled the log start: nothing at or above the start is left.
  if (leo_ < log_start_) return truncate_fully_and_start_at(log_start_);
  recovery_point_ = std::min(recovery_point_, leo_);
  unflushed_records_ = 0;
  // After the data is cut: a crash before this leaves entries past the log
  // end, which open() drops.
  if (auto st = epochs_.truncate_from_end(leo_); !st) return fail(st.error());
  return save_checkpoint();
}

status partition_log::truncate_fully_and_start_at(int64_t offset) {
  if (offset < 0) return make_error(errc::invalid_argument, "negative start offset");
  // Cleared before the data goes: a crash in between leaves an empty cache
  // next to batches, which open() detects and rebuilds.
  if (auto st = epochs_.reset({}); !st) return fail(st.error());
  log_start_ = offset;
  recovery_point_ = offset;
  CAUDAL_TRY(save_checkpoint());
  for (auto& seg : segments_)
    if (auto st = seg->remove_files(fs_, dir_); !st) return fail(st.error());
  segments_.clear();
  auto seg = segment::open(fs_, dir_, offset, config_.segment_index_bytes, true);
  if (!seg) return fail(std::move(seg).error());
  segments_.push_back(std::move(*seg));
  leo_ = offset;
  unflushed_records_ = 0;
  return fs_.sync_dir(dir_);
}

} // namespace caudal::storage
