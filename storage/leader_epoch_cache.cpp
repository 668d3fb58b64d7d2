#include "storage/leader_epoch_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace caudal::storage {

namespace {

// The file is tiny (one line per epoch), but a corrupt size must not make us
// allocate gigabytes.
constexpr uint64_t max_file_bytes = 4u << 20;

bool parse_int(std::string_view& in, int64_t& out) {
  auto [ptr, ec] = std::from_chars(in.data(), in.data() + in.size(), out);
  if (ec != std::errc{}) return false;
  in.remove_prefix(static_cast<size_t>(ptr - in.data()));
  return true;
}

bool expect(std::string_view& in, char c) {
  if (in.empty() || in.front() != c) return false;
  in.remove_prefix(1);
  return true;
}

bool parse_entry(std::string_view& in, epoch_entry& e) {
  int64_t epoch = 0;
  if (!parse_int(in, epoch) || !expect(in, ' ') || !parse_int(in, e.start_offset) ||
      !expect(in, '\n'))
    return false;
  if (epoch < 0 || epoch > std::numeric_limits<int32_t>::max() || e.start_offset < 0) return false;
  e.epoch = static_cast<int32_t>(epoch);
  return true;
}

bool increasing(const epoch_entry& prev, const epoch_entry& next) {
  return next.epoch > prev.epoch && next.start_offset > prev.start_offset;
}

} // namespace

std::string encode_epoch_checkpoint(const std::vector<epoch_entry>& entries) {
  std::string text = fmt::format("0\n{}\n", entries.size());
  for (const auto& e : entries) text += fmt::format("{} {}\n", e.epoch, e.start_offset);
  return text;
}

std::optional<std::vector<epoch_entry>> parse_epoch_checkpoint(std::string_view in) {
  int64_t version = -1;
  int64_t count = -1;
  if (!parse_int(in, version) || version != 0 || !expect(in, '\n') || !parse_int(in, count) ||
      count < 0 || !expect(in, '\n'))
    return std::nullopt;
  std::vector<epoch_entry> out;
  for (int64_t i = 0; i < count; ++i) {
    epoch_entry e;
    if (!parse_entry(in, e)) return std::nullopt;
    if (!out.empty() && !increasing(out.back(), e)) return std::nullopt;
    out.push_back(e);
  }
  if (!in.empty()) return std::nullopt;
  return out;
}

leader_epoch_cache::leader_epoch_cache(filesystem& fs, std::string dir)
    : fs_(fs), dir_(std::move(dir)) {}

result<bool> leader_epoch_cache::load() {
  entries_.clear();
  dirty_ = false;
  auto f = fs_.open(join_path(dir_, std::string(leader_epoch_file_name)), open_mode::existing);
  if (!f) {
    if (f.error().code == errc::not_found) return false;
    return std::move(f).error();
  }
  if ((*f)->size() > max_file_bytes) return false;
  std::vector<uint8_t> buf((*f)->size());
  auto n = (*f)->read_at(0, buf);
  if (!n) return std::move(n).error();
  auto parsed =
      parse_epoch_checkpoint(std::string_view(reinterpret_cast<const char*>(buf.data()), *n));
  if (!parsed) return false;
  entries_ = std::move(*parsed);
  return true;
}

void leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0 || start_offset < 0 || epoch <= latest_epoch()) return;
  // An entry at or after the new start would break monotonic start offsets
  // (e.g. an epoch that never got a batch): the newer epoch supersedes it.
  std::erase_if(entries_, [&](const epoch_entry& e) { return e.start_offset >= start_offset; });
  entries_.push_back(epoch_entry{epoch, start_offset});
  dirty_ = true;
}

status leader_epoch_cache::flush() {
  if (!dirty_) return ok();
  return persist();
}

status leader_epoch_cache::truncate_from_end(int64_t end_offset) {
  if (entries_.empty() || entries_.back().start_offset < end_offset) return ok();
  std::erase_if(entries_, [&](const epoch_entry& e) { return e.start_offset >= end_offset; });
  return persist();
}

status leader_epoch_cache::truncate_from_start(int64_t start_offset) {
  // The last entry starting at or below the new start covers it.
  auto covering = std::find_if(entries_.rbegin(), entries_.rend(), [&](const epoch_entry& e) {
    return e.start_offset <= start_offset;
  });
  if (covering == entries_.rend()) return ok();
  auto keep = std::prev(covering.base());
  if (keep == entries_.begin() && keep->start_offset == start_offset) return ok();
  keep->start_offset = start_offset;
  entries_.erase(entries_.begin(), keep);
  return persist();
}

status leader_epoch_cache::reset(std::vector<epoch_entry> entries) {
  entries_ = std::move(entries);
  return persist();
}

std::pair<int32_t, int64_t> leader_epoch_cache::end_offset_for(int32_t epoch,
                                                               int64_t log_end) const {
  if (epoch < 0 || entries_.empty() || epoch > latest_epoch()) return {-1, -1};
  if (epoch == latest_epoch()) return {epoch, log_end};
  // First entry with a larger epoch: the requested epoch ended where it starts.
  auto higher = std::upper_bound(entries_.begin(), entries_.end(), epoch,
                                 [](int32_t v, const epoch_entry& e) { return v < e.epoch; });
  if (higher == entries_.begin()) return {epoch, higher->start_offset};
  return {std::prev(higher)->epoch, higher->start_offset};
}

status leader_epoch_cache::persist() {
  auto path = join_path(dir_, std::string(leader_epoch_file_name));
  auto tmp = path + ".tmp";
  auto text = encode_epoch_checkpoint(entries_);
  auto f = fs_.open(tmp, open_mode::create_truncate);
  if (!f) return std::move(f).error();
  CAUDAL_TRY((*f)->append(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  CAUDAL_TRY((*f)->sync());
  f->reset();
  CAUDAL_TRY(fs_.rename(tmp, path));
  CAUDAL_TRY(fs_.sync_dir(dir_));
  dirty_ = false;
  return ok();
}

} // namespace caudal::storage
