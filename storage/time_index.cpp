#include "storage/time_index.h"

#include <algorithm>

namespace caudal::storage {

result<bool> time_index::load(int64_t next_offset) {
  CAUDAL_TRY(index_.load());
  const auto& es = index_.entries();
  for (size_t i = 0; i < es.size(); ++i) {
    if (es[i].relative_offset < 0 || base_ + es[i].relative_offset >= next_offset) return false;
    if (i > 0 && (es[i].timestamp <= es[i - 1].timestamp ||
                  es[i].relative_offset < es[i - 1].relative_offset))
      return false;
  }
  return true;
}

status time_index::maybe_append(int64_t timestamp, int64_t offset) {
  const auto& es = index_.entries();
  if (timestamp < 0 || (!es.empty() && timestamp <= es.back().timestamp)) return ok();
  return index_.push({timestamp, static_cast<int32_t>(offset - base_)});
}

int64_t time_index::lookup(int64_t timestamp) const {
  const auto& es = index_.entries();
  auto it = std::upper_bound(es.begin(), es.end(), timestamp,
                             [](int64_t t, const time_entry& e) { return t < e.timestamp; });
  if (it == es.begin()) return base_;
  --it;
  return base_ + it->relative_offset;
}

status time_index::truncate_to(int64_t offset) {
  const auto& es = index_.entries();
  size_t keep = 0;
  while (keep < es.size() && base_ + es[keep].relative_offset < offset) ++keep;
  return index_.truncate(keep);
}

std::optional<std::pair<int64_t, int64_t>> time_index::last() const {
  const auto& es = index_.entries();
  if (es.empty()) return std::nullopt;
  return std::pair{es.back().timestamp, base_ + es.back().relative_offset};
}

} // namespace caudal::storage
