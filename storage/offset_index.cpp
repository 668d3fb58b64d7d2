#include "storage/offset_index.h"

#include <algorithm>

namespace caudal::storage {

result<bool> offset_index::load(uint64_t log_size) {
  CAUDAL_TRY(index_.load());
  const auto& es = index_.entries();
  for (size_t i = 0; i < es.size(); ++i) {
    if (es[i].relative_offset < 0 || es[i].position >= log_size) return false;
    if (i > 0 && (es[i].relative_offset <= es[i - 1].relative_offset ||
                  es[i].position <= es[i - 1].position))
      return false;
  }
  return true;
}

status offset_index::append(int64_t offset, uint32_t position) {
  return index_.push({static_cast<int32_t>(offset - base_), position});
}

std::pair<int64_t, uint32_t> offset_index::lookup(int64_t offset) const {
  const auto& es = index_.entries();
  auto rel = offset - base_;
  auto it = std::upper_bound(es.begin(), es.end(), rel, [](int64_t r, const offset_entry& e) {
    return r < e.relative_offset;
  });
  if (it == es.begin()) return {base_, 0};
  --it;
  return {base_ + it->relative_offset, it->position};
}

status offset_index::truncate_to(int64_t offset) {
  const auto& es = index_.entries();
  auto rel = offset - base_;
  auto it = std::lower_bound(es.begin(), es.end(), rel, [](const offset_entry& e, int64_t r) {
    return e.relative_offset < r;
  });
  return index_.truncate(static_cast<size_t>(it - es.begin()));
}

std::optional<std::pair<int64_t, uint32_t>> offset_index::last() const {
  const auto& es = index_.entries();
  if (es.empty()) return std::nullopt;
  return std::pair{base_ + es.back().relative_offset, es.back().position};
}

} // namespace caudal::storage
