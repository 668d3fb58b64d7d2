#include "sim/cluster/log_records.h"

#include "protocol/record_batch.h"

namespace caudal::sim::cluster {

std::string decode_log_records(std::span<const uint8_t> records, std::vector<log_record>& out) {
  std::vector<protocol::batch_span> spans;
  auto err = protocol::split_batches(records, spans);
  if (err != protocol::batch_error::none && err != protocol::batch_error::truncated)
    return "a malformed record set";
  for (auto& s : spans) {
    if (s.header.is_control()) continue;
    std::vector<protocol::record> recs;
    if (protocol::decode_records(records.subspan(s.position, s.size()), recs) !=
        protocol::batch_error::none)
      return "a corrupt batch at offset " + std::to_string(s.header.base_offset);
    for (auto& rec : recs) {
      log_record lr;
      lr.offset = s.header.base_offset + rec.offset_delta;
      if (rec.key) lr.key.assign(rec.key->begin(), rec.key->end());
      if (rec.value) lr.value.assign(rec.value->begin(), rec.value->end());
      out.push_back(std::move(lr));
    }
  }
  return "";
}

std::string split_log_batches(std::span<const uint8_t> records, std::vector<log_batch>& out) {
  std::vector<protocol::batch_span> spans;
  auto err = protocol::split_batches(records, spans);
  if (err != protocol::batch_error::none && err != protocol::batch_error::truncated)
    return "a malformed record set";
  for (auto& s : spans) {
    auto bytes = records.subspan(s.position, s.size());
    out.push_back(log_batch{s.header.base_offset,
                            s.header.base_offset + s.header.last_offset_delta,
                            {bytes.begin(), bytes.end()}});
  }
  return "";
}

} // namespace caudal::sim::cluster
