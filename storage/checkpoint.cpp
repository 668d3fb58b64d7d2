#include "storage/checkpoint.h"

#include <fmt/format.h>

#include <charconv>

namespace caudal::storage {

status write_checkpoint(filesystem& fs, const std::string& dir, const log_checkpoint& cp) {
  auto path = join_path(dir, std::string(checkpoint_file_name));
  auto tmp = path + ".tmp";
  auto text = fmt::format("1\n{} {}\n", cp.log_start_offset, cp.recovery_point);
  auto f = fs.open(tmp, open_mode::create_truncate);
  if (!f) return std::move(f).error();
  CAUDAL_TRY((*f)->append(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  CAUDAL_TRY((*f)->sync());
  f->reset();
  CAUDAL_TRY(fs.rename(tmp, path));
  return fs.sync_dir(dir);
}

namespace {
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
} // namespace

result<std::optional<log_checkpoint>> read_checkpoint(filesystem& fs, const std::string& dir) {
  auto path = join_path(dir, std::string(checkpoint_file_name));
  auto f = fs.open(path, open_mode::existing);
  if (!f) {
    if (f.error().code == errc::not_found) return std::optional<log_checkpoint>{};
    return std::move(f).error();
  }
  std::vector<uint8_t> buf(std::min<uint64_t>((*f)->size(), 256));
  auto n = (*f)->read_at(0, buf);
  if (!n) return std::move(n).error();
  std::string_view in(reinterpret_cast<const char*>(buf.data()), *n);
  int64_t version = 0;
  log_checkpoint cp;
  bool good = parse_int(in, version) && version == 1 && expect(in, '\n') &&
              parse_int(in, cp.log_start_offset) && expect(in, ' ') &&
              parse_int(in, cp.recovery_point) && expect(in, '\n') && in.empty() &&
              cp.log_start_offset >= 0 && cp.recovery_point >= 0;
  if (!good) return std::optional<log_checkpoint>{};
  return std::optional(cp);
}

} // namespace caudal::storage
