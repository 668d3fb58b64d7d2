#include "actors/producer_guard.h"

#include <spdlog/spdlog.h>

#include "actors/error_codes.h"

namespace caudal::actors {
namespace {

int16_t to_error_code(storage::sequence_verdict v) {
  using storage::sequence_verdict;
  switch (v) {
  case sequence_verdict::out_of_order:
    return error_code::out_of_order_sequence_number;
  case sequence_verdict::fenced_epoch:
    return error_code::invalid_producer_epoch;
  case sequence_verdict::unknown_producer:
    return error_code::unknown_producer_id;
  case sequence_verdict::invalid_record:
    return error_code::invalid_record;
  default:
    return error_code::none;
  }
}

append_reply error_reply(int16_t code, std::string message) {
  append_reply rep;
  rep.error = code;
  rep.message = std::move(message);
  return rep;
}

} // namespace

storage::result<producer_guard> producer_guard::open(storage::filesystem& fs,
                                                     storage::partition_log& log) {
  auto loaded = storage::load_producer_state(fs, log);
  if (!loaded) return std::move(loaded).error();
  producer_guard g;
  g.table_ = std::move(loaded->table);
  g.segments_ = log.segment_count();
  g.since_snapshot_ = static_cast<int64_t>(loaded->batches_replayed);
  if (loaded->from_snapshot || loaded->batches_replayed > 0)
    spdlog::info("{}: producer state of {} producer(s) rebuilt ({}snapshot, {} batch(es) replayed)",
                 log.dir(), g.table_.size(), loaded->from_snapshot ? "" : "no ",
                 loaded->batches_replayed);
  return g;
}

std::optional<append_reply>
producer_guard::before_append(std::span<const uint8_t> records, const storage::partition_log& log,
                              std::vector<protocol::batch_header>& headers) const {
  std::vector<protocol::batch_span> spans;
  // Malformed record sets are left to the log's own validation.
  if (protocol::split_batches(records, spans) != protocol::batch_error::none || spans.empty())
    return std::nullopt;
  headers.clear();
  // Several batches of one request must also be in sequence with each other,
  // so they are checked against a copy that sees the earlier ones.
  std::optional<storage::producer_state_table> trial;
  if (spans.size() > 1) trial = table_;
  const auto& t = trial ? *trial : table_;
  int64_t next = log.log_end_offset();
  for (const auto& s : spans) {
    auto c = t.check(s.header);
    if (c.verdict == storage::sequence_verdict::duplicate) {
      append_reply rep; // Kafka answers a retried batch with where it went the first time
      rep.base_offset = c.duplicate_of.first_offset;
      rep.log_start_offset = log.log_start_offset();
      return rep;
    }
    if (c.verdict != storage::sequence_verdict::ok)
      return error_reply(to_error_code(c.verdict), c.message);
    auto h = s.header;
    h.base_offset = next;
    next = h.last_offset() + 1;
    if (trial) trial->update(h, 0);
    headers.push_back(h);
  }
  return std::nullopt;
}

void producer_guard::after_append(std::vector<protocol::batch_header>& headers, int64_t base_offset,
                                  int64_t now_ms, storage::filesystem& fs,
                                  storage::partition_log& log) {
  int64_t next = base_offset;
  bool idempotent = false;
  for (auto& h : headers) {
    h.base_offset = next;
    next = h.last_offset() + 1;
    if (h.producer_id < 0) continue;
    table_.update(h, now_ms);
    idempotent = true;
    ++since_snapshot_;
  }
  bool rolled = log.segment_count() != segments_;
  segments_ = log.segment_count();
  if (!idempotent && !rolled) return;
  if ((rolled && table_.size() > 0) || since_snapshot_ >= snapshot_interval) {
    if (auto r = snapshot(fs, log); !r)
      spdlog::error("{}: producer state snapshot failed: {}", log.dir(), r.error().message);
  }
}

storage::status producer_guard::snapshot(storage::filesystem& fs, storage::partition_log& log) {
  since_snapshot_ = 0;
  return storage::write_snapshot(fs, log.dir(), log.log_end_offset(), table_);
}

} // namespace caudal::actors
