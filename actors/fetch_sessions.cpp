#include "actors/fetch_sessions.h"

#include "actors/error_codes.h"

namespace caudal::actors {

fetch_session& fetch_session_cache::create(const std::vector<fetch_item>& items) {
  if (sessions_.size() >= max_sessions) sessions_.erase(sessions_.begin()); // oldest id
  int32_t id = next_id_;
  next_id_ = next_id_ == INT32_MAX ? 1 : next_id_ + 1;
  auto& s = sessions_[id];
  s.id = id;
  s.epoch = 1;
  for (auto& it : items) s.partitions[it.key()] = fetch_partition_state{it};
  return s;
}

int16_t fetch_session_cache::begin(int32_t session_id, int32_t epoch,
                                   const std::vector<fetch_item>& requested,
                                   const std::vector<std::pair<std::string, int32_t>>& forgotten,
                                   std::vector<fetch_item>& items, fetch_session*& session) {
  session = nullptr;
  if (epoch == final_epoch || epoch == initial_epoch) {
    if (session_id != 0) sessions_.erase(session_id);
    items = requested;
    if (epoch == initial_epoch) session = &create(requested);
    return error_code::none;
  }
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return error_code::fetch_session_id_not_found;
  auto& s = it->second;
  if (epoch != s.epoch) return error_code::invalid_fetch_session_epoch;
  for (auto& f : forgotten) s.partitions.erase(f);
  for (auto& r : requested) {
    auto& p = s.partitions[r.key()];
    p.item = r;
  }
  s.epoch = epoch == INT32_MAX ? 1 : epoch + 1;
  items.clear();
  for (auto& [k, p] : s.partitions) items.push_back(p.item);
  session = &s;
  return error_code::none;
}

bool fetch_session_cache::should_send(fetch_session& s, const fetch_item& item,
                                      int64_t high_watermark, int64_t log_start, bool has_records,
                                      int16_t error) {
  auto it = s.partitions.find(item.key());
  if (it == s.partitions.end()) return true;
  auto& p = it->second;
  bool changed = has_records || error != error_code::none ||
                 p.last_high_watermark != high_watermark || p.last_log_start != log_start;
  p.last_high_watermark = high_watermark;
  p.last_log_start = log_start;
  return changed;
}

} // namespace caudal::actors
