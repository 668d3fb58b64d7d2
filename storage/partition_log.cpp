#include "storage/partition_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace caudal::storage {

namespace p = caudal::protocol;

std::string partition_dir(const std::string& log_dir, std::string_view topic, int32_t partition) {
  return join_path(log_dir, fmt::format("{}-{}", topic, partition));
}

partition_log::partition_log(filesystem& fs, std::string dir, log_config config)
    : fs_(fs), dir_(std::move(dir)), config_(config), epochs_(fs_, dir_) {}

partition_log::~partition_log() = default;

result<std::unique_ptr<partition_log>> partition_log::open(filesystem& fs, std::string dir,
                                                           log_config config, int64_t now_ms) {
  std::unique_ptr<partition_log> log(new partition_log(fs, std::move(dir), config));
  CAUDAL_TRY(log->load(now_ms));
  return log;
}

// ---------------------------------------------------------------- open/recovery

namespace {
std::optional<int64_t> parse_segment_name(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) return std::nullopt;
  int64_t base = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + 20, base);
  if (ec != std::errc{} || ptr != name.data() + 20 || base < 0) return std::nullopt;
  return base;
}
} // namespace

result<std::vector<int64_t>> partition_log::list_segments() {
  auto names = fs_.list_dir(dir_);
  if (!names) return std::move(names).error();
  std::vector<int64_t> bases;
  for (const auto& name : *names)
    if (auto base = parse_segment_name(name, ".log")) bases.push_back(*base);
  std::sort(bases.begin(), bases.end());
  for (const auto& name : *names) {
    // A checkpoint write interrupted by a crash (the old file is still valid),
    // or the index of a segment whose deletion was interrupted.
    auto idx = parse_segment_name(name, ".index");
    auto tidx = parse_segment_name(name, ".timeindex");
    auto base = idx ? idx : tidx;
    bool orphan = base && !std::binary_search(bases.begin(), bases.end(), *base);
    if (name.ends_with(".tmp") || orphan) CAUDAL_TRY(fs_.remove(join_path(dir_, name)));
  }
  return bases;
}

status partition_log::load(int64_t now_ms) {
  CAUDAL_TRY(fs_.create_dirs(dir_));
  auto bases = list_segments();
  if (!bases) return std::move(bases).error();
  auto cp = read_checkpoint(fs_, dir_);
  if (!cp) return std::move(cp).error();
  recovery_.checkpoint_found = cp->has_value();
  for (int64_t base : *bases) {
    auto seg = segment::open(fs_, dir_, base, config_.segment_index_bytes, false);
    if (!seg) return std::move(seg).error();
    segments_.push_back(std::move(*seg));
  }
  CAUDAL_TRY(recover_segments(*cp));
  CAUDAL_TRY(finish_load(now_ms));
  return restore_epochs();
}

// The epoch file is written before the data it describes is fsynced and at
// once on truncation, so after a crash it can be ahead of the log (cut here),
// behind the log start (moved here), or miss only epochs newer than its
// latest entry whose batches survived unsynced: those are found by scanning
// from that entry. A missing or damaged file (or a log from before the file
// existed) is rebuilt from every batch header.
status partition_log::restore_epochs() {
  auto found = epochs_.load();
  if (!found) return std::move(found).error();
  CAUDAL_TRY(epochs_.truncate_from_start(log_start_));
  CAUDAL_TRY(epochs_.truncate_from_end(leo_));
  if (!*found) {
    CAUDAL_TRY(epochs_.reset({}));
    return rescan_epochs(log_start_);
  }
  if (leo_ == log_start_) return ok();
  auto last = header_containing(leo_ - 1);
  if (!last) return std::move(last).error();
  if (last->partition_leader_epoch <= epochs_.latest_epoch()) return ok();
  const auto& entries = epochs_.entries();
  return rescan_epochs(entries.empty() ? log_start_ : entries.back().start_offset);
}

// Reads the batch headers (not the records) from the batch holding `from` to
// the log end and assigns their epochs, then writes the file.
status partition_log::rescan_epochs(int64_t from) {
  recovery_.epochs_rebuilt = true;
  for (size_t i = segment_index_for(from); i < segments_.size(); ++i) {
    const auto& seg = *segments_[i];
    auto first = seg.find(from);
    if (!first) return std::move(first).error();
    for (uint64_t pos = *first ? (*first)->position : seg.size(); pos < seg.size();) {
      auto h = seg.header_at(pos);
      if (!h) return std::move(h).error();
      epochs_.assign(h->partition_leader_epoch, std::max(h->base_offset, log_start_));
      pos += h->total_size();
    }
  }
  return epochs_.flush();
}

result<p::batch_header> partition_log::header_containing(int64_t offset) const {
  auto loc = segments_[segment_index_for(offset)]->find(offset);
  if (!loc) return std::move(loc).error();
  if (!*loc) return make_error(errc::corrupt, fmt::format("no batch holds offset {}", offset));
  return (*loc)->header;
}

// Segments from the one holding the recovery point on may hold unsynced data:
// validate them batch by batch. Older ones only get their index loaded and
// the bytes after the last index entry checked.
status partition_log::recover_segments(std::optional<log_checkpoint> cp) {
  log_start_ = cp ? cp->log_start_offset : (segments_.empty() ? 0 : segments_[0]->base_offset());
  int64_t recovery_point = cp ? cp->recovery_point : -1;
  for (size_t i = 0; i < segments_.size(); ++i) {
    auto& seg = *segments_[i];
    bool next_is_past_rp =
        i + 1 >= segments_.size() || segments_[i + 1]->base_offset() > recovery_point;
    bool scan = recovery_point < 0 || next_is_past_rp;
    auto out =
        scan ? seg.recover(config_.index_interval_bytes) : seg.load(config_.index_interval_bytes);
    if (!out) return std::move(out).error();
    recovery_.segments_scanned += scan ? 1 : 0;
    recovery_.bytes_truncated += out->truncated_bytes;
    bool hole = i + 1 < segments_.size() && segments_[i + 1]->base_offset() != seg.next_offset();
    // Data after a cut or a gap cannot be attached to the log: offsets must stay contiguous.
    if (out->truncated() || hole) return discard_segments_from(i + 1);
  }
  return ok();
}

status partition_log::discard_segments_from(size_t index) {
  while (segments_.size() > index) {
    CAUDAL_TRY(segments_.back()->remove_files(fs_, dir_));
    segments_.pop_back();
    ++recovery_.segments_discarded;
  }
  return ok();
}

status partition_log::finish_load(int64_t now_ms) {
  // Segments wholly below the log start offset (a deletion interrupted by a crash).
  while (segments_.size() > 1 && segments_[1]->base_offset() <= log_start_) {
    CAUDAL_TRY(segments_.front()->remove_files(fs_, dir_));
    segments_.erase(segments_.begin());
    ++recovery_.segments_discarded;
  }
  if (segments_.empty() || segments_.back()->next_offset() < log_start_) {
    // Everything left is below the log start (e.g. unsynced data lost after DeleteRecords).
    recovery_.segments_discarded += segments_.size();
    CAUDAL_TRY(truncate_fully_and_start_at(log_start_));
  }
  log_start_ = std::max(log_start_, segments_.front()->base_offset());
  leo_ = segments_.back()->next_offset();
  auto& active = *segments_.back();
  active.set_rolling_base_ms(now_ms);
  if (!active.empty()) {
    auto first = active.header_at(0);
    if (first && first->max_timestamp >= 0) active.set_rolling_base_ms(first->max_timestamp);
  }
  last_flush_ms_ = now_ms;
  // What recovery kept (or cut) is made durable before the log is used.
  for (auto& seg : segments_) CAUDAL_TRY(seg->flush());
  CAUDAL_TRY(fs_.sync_dir(dir_));
  recovery_point_ = leo_;
  return save_checkpoint();
}

status partition_log::save_checkpoint() {
  return write_checkpoint(fs_, dir_, log_checkpoint{log_start_, recovery_point_});
}

// ---------------------------------------------------------------- append

status partition_log::check_usable() const {
  if (failure_)
    return make_error(errc::log_failed, "log " + dir_ + " failed: " + failure_->message);
  return ok();
}

status partition_log::fail(error_info err) {
  failure_ = err;
  return err;
}

// Everything append() and append_replicated() refuse before writing anything.
result<std::vector<p::batch_span>> partition_log::validate(std::span<const uint8_t> batches) const {
  std::vector<p::batch_span> spans;
  if (auto e = p::split_batches(batches, spans); e != p::batch_error::none || spans.empty())
    return make_error(errc::invalid_batch, std::string("record set: ") + p::to_string(e));
  for (const auto& s : spans) {
    if (s.size() > static_cast<size_t>(std::max(config_.max_message_bytes, 0)))
      return make_error(errc::message_too_large,
                        fmt::format("batch of {} bytes exceeds max.message.bytes {}", s.size(),
                                    config_.max_message_bytes));
    auto e = p::validate_batch(batches.subspan(s.position, s.size()));
    if (e != p::batch_error::none) return make_error(errc::invalid_batch, p::to_string(e));
    if (s.header.records_count <= 0) return make_error(errc::invalid_batch, "empty batch");
  }
  return spans;
}

// The leader's rewrite: offsets from the log end, its epoch, LogAppendTime.
void partition_log::assign_offsets(std::span<uint8_t> batches, std::span<p::batch_span> spans,
                                   int32_t leader_epoch, int64_t now_ms) const {
  int64_t next = leo_;
  for (auto& s : spans) {
    auto bytes = batches.subspan(s.position, s.size());
    p::set_base_offset(bytes, next);
    p::set_partition_leader_epoch(bytes, leader_epoch);
    if (config_.log_append_time) {
      p::set_max_timestamp_and_log_append_time(bytes, now_ms);
      s.header.max_timestamp = now_ms;
      s.header.attributes |= p::timestamp_type_bit;
    }
    s.header.base_offset = next;
    s.header.partition_leader_epoch = leader_epoch;
    next = s.header.last_offset() + 1;
  }
}

bool partition_log::should_roll(const segment& active, size_t incoming, int64_t last_offset,
                                int64_t now_ms) const {
  if (active.empty()) return false;
  return active.size() + incoming >
             static_cast<uint64_t>(std::max<int64_t>(config_.segment_bytes, 0)) ||
         now_ms - active.rolling_base_ms() > config_.segment_ms || active.index_full() ||
         last_offset - active.base_offset() > std::numeric_limits<int32_t>::max();
}

result<append_info> partition_log::append(std::span<uint8_t> batches, int32_t leader_epoch,
                                          int64_t now_ms) {
  CAUDAL_TRY(check_usable());
  auto spans = validate(batches);
  if (!spans) return std::move(spans).error();
  assign_offsets(batches, *spans, leader_epoch, now_ms);
  auto info = write_batches(batches, *spans, now_ms);
  if (info) info->log_append_time_ms = config_.log_append_time ? now_ms : -1;
  return info;
}

result<append_info> partition_log::append_replicated(std::span<const uint8_t> batches,
                                                     int64_t now_ms) {
  CAUDAL_TRY(check_usable());
  auto spans = validate(batches);
  if (!spans) return std::move(spans).error();
  CAUDAL_TRY(check_replicated(*spans));
  return write_batches(batches, *spans, now_ms);
}

// A follower may only extend its log exactly where it ends, in offset order,
// and never go back to an older leader epoch (that data would be divergent).
status partition_log::check_replicated(std::span<const p::batch_span> spans) const {
  int64_t next = leo_;
  int32_t epoch = last_epoch();
  for (const auto& s : spans) {
    const auto& h = s.header;
    if (h.base_offset != next)
      return make_error(
          errc::invalid_batch,
          fmt::format("replicated batch at offset {}, expected {}", h.base_offset, next));
    if (h.partition_leader_epoch < epoch)
      return make_error(errc::invalid_batch,
                        fmt::format("replicated batch of epoch {} after epoch {}",
                                    h.partition_leader_epoch, epoch));
    next = h.last_offset() + 1;
    epoch = h.partition_leader_epoch;
  }
  return ok();
}

// Writes validated batches whose offsets and epochs are final. A new epoch
// enters the cache here and reaches its file before the data is fsynced
// (flush(), roll()); a failed write takes the new entries back.
result<append_info> partition_log::write_batches(std::span<const uint8_t> bytes,
                                                 std::span<const p::batch_span> spans,
                                                 int64_t now_ms) {
  append_info info;
  info.base_offset = spans.front().header.base_offset;
  info.last_offset = spans.back().header.last_offset();
  for (const auto& s : spans) {
    info.max_timestamp = std::max(info.max_timestamp, s.header.max_timestamp);
    info.record_count += s.header.records_count;
  }
  info.batch_count = static_cast<int32_t>(spans.size());
  if (should_roll(*segments_.back(), bytes.size(), info.last_offset, now_ms))
    CAUDAL_TRY(roll(now_ms));
  if (segments_.back()->empty()) segments_.back()->set_rolling_base_ms(now_ms);
  note_epochs(spans);
  if (auto st = write_back(bytes, spans); !st) {
    if (auto undo = epochs_.truncate_from_end(leo_); !undo) return fail(undo.error()).error();
    return st.error();
  }
  leo_ = info.last_offset + 1;
  unflushed_records_ += info.record_count;
  CAUDAL_TRY(maybe_flush(now_ms));
  return info;
}

void partition_log::note_epochs(std::span<const p::batch_span> spans) {
  for (const auto& s : spans) epochs_.assign(s.header.partition_leader_epoch, s.header.base_offset);
}

// Writes to the active segment; a failed write is cut back so the log never
// keeps a partial batch, and if even that fails the log stops accepting work.
status partition_log::write_back(std::span<const uint8_t> bytes,
                                 std::span<const p::batch_span> spans) {
  auto& active = *segments_.back();
  uint64_t before = active.size();
  auto st = active.append(bytes, spans, config_.index_interval_bytes);
  if (st) return st;
  if (!active.truncate_at_position(before, config_.index_interval_bytes)) return fail(st.error());
  return st;
}

status partition_log::roll(int64_t now_ms) {
  auto& old = *segments_.back();
  CAUDAL_TRY(old.seal());
  // The finished segment is made durable now, so recovery never has to scan
  // it; the epochs of its batches reach their file first.
  if (auto st = epochs_.flush(); !st) return fail(st.error());
  CAUDAL_TRY(old.flush());
  auto seg = segment::open(fs_, dir_, leo_, config_.segment_index_bytes, true);
  if (!seg) return fail(std::move(seg).error());
  (*seg)->set_rolling_base_ms(now_ms);
  segments_.push_back(std::move(*seg));
  CAUDAL_TRY(fs_.sync_dir(dir_));
  recovery_point_ = leo_;
  return save_checkpoint();
}

// ---------------------------------------------------------------- flush

status partition_log::flush() {
  CAUDAL_TRY(check_usable());
  // The epoch file first: it must cover every batch that becomes durable.
  if (auto st = epochs_.flush(); !st) return fail(st.error());
  // Only files written since their last sync are fsynced (segment tracks it).
  for (auto& seg : segments_)
    if (auto st = seg->flush(); !st) return fail(st.error());
  recovery_point_ = leo_;
  unflushed_records_ = 0;
  return ok();
}

status partition_log::maybe_flush(int64_t now_ms) {
  bool by_count = unflushed_records_ >= config_.flush_messages;
  bool by_time = unflushed_records_ > 0 && now_ms - last_flush_ms_ >= config_.flush_ms;
  if (!by_count && !by_time) return ok();
  CAUDAL_TRY(flush());
  last_flush_ms_ = now_ms;
  return ok();
}

status partition_log::close() {
  CAUDAL_TRY(check_usable());
  CAUDAL_TRY(segments_.back()->seal());
  CAUDAL_TRY(flush());
  return save_checkpoint();
}

void partition_log::update_config(const log_config& config) {
  config_ = config;
  for (auto& seg : segments_) seg->set_index_limits(config.segment_index_bytes);
}

int64_t partition_log::size_bytes() const {
  int64_t total = 0;
  for (const auto& seg : segments_) total += static_cast<int64_t>(seg->size());
  return total;
}

std::vector<int64_t> partition_log::segment_base_offsets() const {
  std::vector<int64_t> out;
  for (const auto& seg : segments_) out.push_back(seg->base_offset());
  return out;
}

} // namespace caudal::storage
