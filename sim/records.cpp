#include "sim/records.h"

#include <span>
#include <vector>

#include "protocol/record_batch.h"
#include "sim/checker.h"

namespace caudal::sim {

std::string for_each_record(const protocol::byte_buffer& records,
                            const std::function<void(int64_t, stored_record&&)>& fn) {
  std::vector<protocol::batch_span> spans;
  auto err = protocol::split_batches(records, spans);
  if (err != protocol::batch_error::none && err != protocol::batch_error::truncated)
    return "a malformed record set";
  for (auto& s : spans) {
    auto bytes = std::span<const uint8_t>{records}.subspan(s.position, s.size());
    std::vector<protocol::record> recs;
    if (protocol::decode_records(bytes, recs) != protocol::batch_error::none)
      return "a corrupt batch";
    for (auto& rec : recs) {
      stored_record sr;
      if (rec.key) sr.key.assign(rec.key->begin(), rec.key->end());
      if (rec.value) sr.value.assign(rec.value->begin(), rec.value->end());
      fn(s.header.base_offset + rec.offset_delta, std::move(sr));
    }
  }
  return "";
}

} // namespace caudal::sim
