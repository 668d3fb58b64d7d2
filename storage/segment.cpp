#include "storage/segment.h"

#include <fmt/format.h>

#include <limits>

namespace caudal::storage {

namespace p = caudal::protocol;

namespace {
size_t offset_entries(int32_t index_bytes) {
  return std::max<size_t>(1, static_cast<size_t>(std::max(index_bytes, 0)) / offset_entry::size);
}
size_t time_entries(int32_t index_bytes) {
  return std::max<size_t>(1, static_cast<size_t>(std::max(index_bytes, 0)) / time_entry::size);
}
} // namespace

std::string segment::file_name(int64_t base_offset, std::string_view suffix) {
  return fmt::format("{:020d}{}", base_offset, suffix);
}

segment::segment(int64_t base, std::unique_ptr<file> log, std::unique_ptr<file> index,
                 std::unique_ptr<file> timeindex, int32_t segment_index_bytes)
    : base_(base), log_(std::move(log)),
      offsets_(std::move(index), base, offset_entries(segment_index_bytes)),
      times_(std::move(timeindex), base, time_entries(segment_index_bytes)), next_offset_(base) {}

result<std::unique_ptr<segment>> segment::open(filesystem& fs, const std::string& dir,
                                               int64_t base_offset, int32_t segment_index_bytes,
                                               bool fresh) {
  auto mode = fresh ? open_mode::create_truncate : open_mode::create;
  auto log = fs.open(join_path(dir, file_name(base_offset, ".log")), mode);
  if (!log) return std::move(log).error();
  auto idx = fs.open(join_path(dir, file_name(base_offset, ".index")), mode);
  if (!idx) return std::move(idx).error();
  auto tidx = fs.open(join_path(dir, file_name(base_offset, ".timeindex")), mode);
  if (!tidx) return std::move(tidx).error();
  return std::unique_ptr<segment>(new segment(base_offset, std::move(*log), std::move(*idx),
                                              std::move(*tidx), segment_index_bytes));
}

void segment::set_index_limits(int32_t segment_index_bytes) {
  offsets_.set_max_entries(offset_entries(segment_index_bytes));
  times_.set_max_entries(time_entries(segment_index_bytes));
}

status segment::index_batch(const p::batch_header& h, uint64_t position, int32_t interval) {
  if (h.max_timestamp > max_ts_) {
    max_ts_ = h.max_timestamp;
    max_ts_batch_ = h.base_offset;
  }
  // Like Kafka: an entry once more than index.interval.bytes were written
  // since the previous one (the first batch is found from position 0).
  if (bytes_since_index_ > static_cast<uint64_t>(std::max(interval, 0))) {
    CAUDAL_TRY(offsets_.append(h.base_offset, static_cast<uint32_t>(position)));
    CAUDAL_TRY(times_.maybe_append(max_ts_, max_ts_batch_));
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += h.total_size();
  next_offset_ = h.last_offset() + 1;
  return ok();
}

status segment::append(std::span<const uint8_t> bytes, std::span<const p::batch_span> batches,
                       int32_t index_interval_bytes) {
  uint64_t start = size();
  CAUDAL_TRY(log_->append(bytes));
  log_dirty_ = true;
  for (const auto& b : batches)
    CAUDAL_TRY(index_batch(b.header, start + b.position, index_interval_bytes));
  return ok();
}

result<p::batch_header> segment::header_at(uint64_t position) const {
  std::array<uint8_t, p::batch_header_size> buf{};
  auto n = log_->read_at(position, buf);
  if (!n) return std::move(n).error();
  auto h = p::read_batch_header(std::span(buf).first(*n));
  if (!h || h->batch_length < p::min_batch_length || position + h->total_size() > size())
    return make_error(errc::corrupt, fmt::format("bad batch header at position {} of segment {}",
                                                 position, base_));
  return *h;
}

result<std::optional<batch_location>> segment::find(int64_t offset) const {
  uint64_t pos = offsets_.lookup(offset).second;
  while (pos < size()) {
    auto h = header_at(pos);
    if (!h) return std::move(h).error();
    if (h->last_offset() >= offset) return std::optional(batch_location{pos, *h});
    pos += h->total_size();
  }
  return std::optional<batch_location>{};
}

result<size_t> segment::read(uint64_t position, std::span<uint8_t> out) const {
  return log_->read_at(position, out);
}

void segment::reset_state() {
  next_offset_ = base_;
  max_ts_ = -1;
  max_ts_batch_ = -1;
  bytes_since_index_ = 0;
}

// Reads and checks the batch at `pos`; nullopt if it is torn, corrupt or not
// the expected offset (the caller truncates there).
static result<std::optional<p::batch_header>> check_batch_at(file& log, uint64_t pos,
                                                             int64_t expected_offset) {
  uint64_t remaining = log.size() - pos;
  std::array<uint8_t, p::batch_header_size> hbuf{};
  auto n = log.read_at(pos, hbuf);
  if (!n) return std::move(n).error();
  auto h = p::read_batch_header(std::span(hbuf).first(*n));
  if (!h || h->batch_length < p::min_batch_length || h->total_size() > remaining ||
      h->base_offset != expected_offset || h->last_offset_delta < 0)
    return std::optional<p::batch_header>{};
  std::vector<uint8_t> batch(h->total_size());
  auto m = log.read_at(pos, batch);
  if (!m) return std::move(m).error();
  if (*m != batch.size() || p::check_batch_integrity(batch) != p::batch_error::none)
    return std::optional<p::batch_header>{};
  return std::optional(*h);
}

result<scan_outcome> segment::scan_from(uint64_t position, int64_t expected_offset,
                                        int32_t interval) {
  uint64_t pos = position;
  while (pos < size()) {
    auto h = check_batch_at(*log_, pos, expected_offset);
    if (!h) return std::move(h).error();
    if (!*h) break;
    CAUDAL_TRY(index_batch(**h, pos, interval));
    expected_offset = (*h)->last_offset() + 1;
    pos += (*h)->total_size();
  }
  scan_outcome out;
  if (pos < size()) {
    out.truncated_bytes = size() - pos;
    CAUDAL_TRY(log_->truncate(pos));
    log_dirty_ = true;
  }
  return out;
}

result<scan_outcome> segment::recover(int32_t index_interval_bytes) {
  reset_state();
  CAUDAL_TRY(offsets_.clear());
  CAUDAL_TRY(times_.clear());
  return scan_from(0, base_, index_interval_bytes);
}

result<scan_outcome> segment::load(int32_t index_interval_bytes) {
  reset_state();
  auto offsets_ok = offsets_.load(size());
  if (!offsets_ok) return std::move(offsets_ok).error();
  auto last = offsets_.last();
  int64_t resume_offset = last ? last->first : base_;
  uint64_t resume_pos = last ? last->second : 0;
  // The final entry written by seal() may point past the last offset index
  // entry; it is checked against the scanned end below.
  auto times_ok = times_.load(std::numeric_limits<int64_t>::max());
  if (!times_ok) return std::move(times_ok).error();
  if (!*offsets_ok || !*times_ok) return recover(index_interval_bytes);
  if (auto t = times_.last()) {
    max_ts_ = t->first;
    max_ts_batch_ = t->second;
  }
  // The batch at the last index entry is re-indexed by the scan: drop that entry first.
  if (last) CAUDAL_TRY(offsets_.truncate_to(resume_offset));
  bytes_since_index_ = static_cast<uint64_t>(std::max(index_interval_bytes, 0)) + 1;
  if (!last) bytes_since_index_ = 0;
  auto out = scan_from(resume_pos, resume_offset, index_interval_bytes);
  if (!out) return out;
  // A damaged tail inside a segment we trusted: redo it from scratch to be sure.
  auto t = times_.last();
  if (out->truncated() || (t && t->second >= next_offset_)) {
    auto again = recover(index_interval_bytes);
    if (again) again->truncated_bytes += out->truncated_bytes;
    return again;
  }
  return out;
}

status segment::truncate_to(int64_t offset, int32_t index_interval_bytes) {
  auto loc = find(offset);
  if (!loc) return std::move(loc).error();
  if (!*loc) return ok();
  return truncate_at_position((*loc)->position, index_interval_bytes);
}

status segment::truncate_at_position(uint64_t position, int32_t index_interval_bytes) {
  CAUDAL_TRY(log_->truncate(position));
  log_dirty_ = true;
  auto r = recover(index_interval_bytes);
  if (!r) return std::move(r).error();
  return ok();
}

status segment::seal() {
  if (max_ts_batch_ >= 0) CAUDAL_TRY(times_.maybe_append(max_ts_, max_ts_batch_));
  return ok();
}

status segment::flush() {
  if (log_dirty_) {
    CAUDAL_TRY(log_->sync());
    log_dirty_ = false;
  }
  CAUDAL_TRY(offsets_.sync());
  return times_.sync();
}

status segment::remove_files(filesystem& fs, const std::string& dir) {
  for (auto suffix : {".log", ".index", ".timeindex"}) {
    auto st = fs.remove(join_path(dir, file_name(base_, suffix)));
    if (!st && st.error().code != errc::not_found) return st;
  }
  return ok();
}

} // namespace caudal::storage
