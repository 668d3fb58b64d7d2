#include <cstdio>
#include <cstdlib>
#include <vector>

#include "protocol/record_batch.h"
#include "protocol/record_builder.h"
#include "tests/fuzz/fuzz_entry.h"

namespace caudal::fuzz {
namespace {

using namespace caudal::protocol;

// Small enough that a decompression bomb costs little per input.
constexpr size_t max_uncompressed = 1 << 20;
constexpr size_t max_batches_checked = 8;

// Timestamps come from untrusted input: add with wrap-around, not UB.
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool same_content(const record& a, int64_t a_base, const record& b, int64_t b_base) {
  return a.key == b.key && a.value == b.value && a.headers == b.headers &&
         a.offset_delta == b.offset_delta &&
         wrapping_add(a_base, a.timestamp_delta) == wrapping_add(b_base, b.timestamp_delta);
}

// Rebuilds a batch from its decoded records with the builder: the result
// must validate and decode to the same keys, values, headers and timestamps.
void check_rebuild(const batch_header& h, const std::vector<record>& records) {
  batch_builder b;
  b.compression(h.compression()).producer(h.producer_id, h.producer_epoch, h.base_sequence);
  for (const auto& r : records) {
    optional_bytes key, value;
    if (r.key) key = *r.key;
    if (r.value) value = *r.value;
    b.add(wrapping_add(h.base_timestamp, r.timestamp_delta), key, value, r.headers);
  }
  auto rebuilt = b.build();
  require(!rebuilt.empty(), "rebuild compresses");
  require(validate_batch(rebuilt, 2 * max_uncompressed) == batch_error::none, "rebuild validates");
  std::vector<record> again;
  require(decode_records(rebuilt, again, 2 * max_uncompressed) == batch_error::none,
          "rebuild decodes");
  require(again.size() == records.size(), "rebuild keeps the count");
  int64_t rebuilt_base = read_batch_header(rebuilt)->base_timestamp;
  for (size_t i = 0; i < records.size(); ++i)
    require(same_content(again[i], rebuilt_base, records[i], h.base_timestamp),
            "rebuild round trips");
}

bool check_one_batch(std::span<const uint8_t> batch) {
  auto valid = validate_batch(batch, max_uncompressed);
  std::vector<record> records;
  auto decoded = decode_records(batch, records, max_uncompressed);
  size_t visited = 0;
  auto visit = visit_records(
      batch, [&](const record_view&) { return ++visited < 3; }, max_uncompressed);
  if (valid != batch_error::none) return false;
  // A batch the broker accepts must decode, and its records are 0..n-1.
  auto h = *read_batch_header(batch);
  require(decoded == batch_error::none && visit == batch_error::none, "valid batch decodes");
  require(records.size() == static_cast<size_t>(h.records_count), "record count");
  for (size_t i = 0; i < records.size(); ++i)
    require(records[i].offset_delta == static_cast<int32_t>(i), "offset deltas");
  check_rebuild(h, records);
  return true;
}

// Forces magic, batch_length and CRC to be right so the rest is reached.
std::vector<uint8_t> fixed_up(std::span<const uint8_t> data) {
  std::vector<uint8_t> copy(data.begin(), data.end());
  if (copy.size() < batch_header_size) return copy;
  copy[magic_offset] = static_cast<uint8_t>(current_magic);
  writer(copy).patch_i32(batch_length_offset, static_cast<int32_t>(copy.size() - 12));
  update_batch_crc(copy);
  return copy;
}

} // namespace

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

int batch_one_input(std::span<const uint8_t> data) {
  int valid = 0;
  std::vector<batch_span> spans;
  auto split = split_batches(data, spans);
  size_t covered = 0;
  for (size_t i = 0; i < spans.size() && i < max_batches_checked; ++i) {
    require(spans[i].position == covered, "spans are contiguous");
    covered += spans[i].size();
    require(covered <= data.size(), "span inside input");
    valid += check_one_batch(data.subspan(spans[i].position, spans[i].size()));
  }
  if (split == batch_error::none && spans.size() <= max_batches_checked)
    require(covered == data.size(), "a clean split covers the record set");
  valid += check_one_batch(fixed_up(data));
  return valid;
}

} // namespace caudal::fuzz
