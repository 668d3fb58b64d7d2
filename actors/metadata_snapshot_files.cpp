#include "actors/metadata_snapshot_files.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace caudal::actors {

namespace {

constexpr std::string_view suffix = ".checkpoint";
constexpr size_t offset_digits = 20;
constexpr size_t epoch_digits = 10;

template <class Int>
bool parse_digits(std::string_view text, Int& out) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

} // namespace

metadata_snapshot_files::metadata_snapshot_files(storage::filesystem& fs, std::string dir)
    : fs_(fs), dir_(std::move(dir)) {}

std::string metadata_snapshot_files::file_name(metadata::snapshot_id id) {
  return fmt::format("{:020}-{:010}{}", id.end_offset, id.epoch, suffix);
}

std::optional<metadata::snapshot_id>
metadata_snapshot_files::parse_file_name(const std::string& name) {
  std::string_view n(name);
  if (n.size() != offset_digits + 1 + epoch_digits + suffix.size() || !n.ends_with(suffix) ||
      n[offset_digits] != '-')
    return std::nullopt;
  metadata::snapshot_id id;
  if (!parse_digits(n.substr(0, offset_digits), id.end_offset) ||
      !parse_digits(n.substr(offset_digits + 1, epoch_digits), id.epoch))
    return std::nullopt;
  return id;
}

storage::result<std::vector<metadata::snapshot_id>> metadata_snapshot_files::list() {
  auto names = fs_.list_dir(dir_);
  if (!names) return std::move(names).error();
  std::vector<metadata::snapshot_id> ids;
  for (const auto& name : *names)
    if (auto id = parse_file_name(name)) ids.push_back(*id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

storage::status metadata_snapshot_files::save(std::span<const uint8_t> bytes,
                                              metadata::snapshot_id id, size_t keep) {
  auto path = storage::join_path(dir_, file_name(id));
  auto tmp = path + ".tmp"; // a crash leaves it; the log's open() removes *.tmp
  auto f = fs_.open(tmp, storage::open_mode::create_truncate);
  if (!f) return std::move(f).error();
  CAUDAL_TRY((*f)->append(bytes));
  CAUDAL_TRY((*f)->sync());
  f->reset();
  CAUDAL_TRY(fs_.rename(tmp, path));
  CAUDAL_TRY(fs_.sync_dir(dir_));
  return prune(keep);
}

storage::status metadata_snapshot_files::prune(size_t keep) {
  auto ids = list();
  if (!ids) return std::move(ids).error();
  for (size_t i = 0; i + keep < ids->size(); ++i)
    CAUDAL_TRY(fs_.remove(storage::join_path(dir_, file_name((*ids)[i]))));
  return storage::ok();
}

storage::result<std::vector<uint8_t>> metadata_snapshot_files::read_file(const std::string& path) {
  auto f = fs_.open(path, storage::open_mode::existing);
  if (!f) return std::move(f).error();
  std::vector<uint8_t> bytes((*f)->size());
  auto n = (*f)->read_at(0, bytes);
  if (!n) return std::move(n).error();
  bytes.resize(*n);
  return bytes;
}

storage::result<std::optional<metadata::snapshot>>
metadata_snapshot_files::load_latest(std::vector<std::string>& skipped) {
  auto ids = list();
  if (!ids) return std::move(ids).error();
  for (auto it = ids->rbegin(); it != ids->rend(); ++it) {
    auto name = file_name(*it);
    auto bytes = read_file(storage::join_path(dir_, name));
    if (!bytes) return std::move(bytes).error();
    auto snap = metadata::decode_snapshot(*bytes);
    if (snap.ok() && snap.value.id == *it)
      return std::optional<metadata::snapshot>(std::move(snap.value));
    skipped.push_back(name + ": " + (snap.ok() ? "its header names another id" : snap.error));
  }
  return std::optional<metadata::snapshot>{};
}

} // namespace caudal::actors
