// Producer state: Kafka's sequence rules, snapshot encoding, snapshot files
// and the rebuild from snapshot + log replay (in-memory disk, deterministic).
#define BOOST_TEST_MODULE producer_state
#include <boost/test/unit_test.hpp>

#include "protocol/record_batch.h"
#include "protocol/record_builder.h"
#include "storage/mem_filesystem.h"
#include "storage/partition_log.h"
#include "storage/producer_state.h"

#include <limits>

BOOST_TEST_DONT_PRINT_LOG_VALUE(caudal::storage::sequence_verdict)

namespace {

using namespace caudal;
using namespace caudal::storage;
using protocol::batch_header;

batch_header hdr(int64_t pid, int16_t epoch, int32_t seq, int32_t records, int64_t base = 0) {
  batch_header h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.records_count = records;
  h.last_offset_delta = records - 1;
  h.base_offset = base;
  h.max_timestamp = 1000;
  return h;
}

std::vector<uint8_t> idem_batch(int64_t pid, int16_t epoch, int32_t seq, int records) {
  protocol::batch_builder b;
  b.producer(pid, epoch, seq);
  for (int i = 0; i < records; ++i) b.add_text(1000 + i, "k", "v" + std::to_string(i));
  return b.build();
}

template <class T>
T must(result<T> r) {
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return std::move(r).value();
}
void must(status r) { BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message)); }

/// Checks then appends like the partition actor does; returns the verdict.
sequence_verdict produce(partition_log& log, producer_state_table& t, std::vector<uint8_t> batch,
                         int64_t now = 5000) {
  auto h = *protocol::read_batch_header(batch);
  auto c = t.check(h);
  if (c.verdict != sequence_verdict::ok) return c.verdict;
  auto info = must(log.append(batch, 0, now));
  h.base_offset = info.base_offset;
  t.update(h, now);
  return c.verdict;
}

} // namespace

BOOST_AUTO_TEST_CASE(in_sequence_batches_are_accepted_and_gaps_rejected) {
  producer_state_table t;
  BOOST_TEST((t.check(hdr(7, 0, 0, 3)).verdict == sequence_verdict::ok));
  t.update(hdr(7, 0, 0, 3, 0), 10);
  BOOST_TEST((t.check(hdr(7, 0, 3, 2)).verdict == sequence_verdict::ok));
  auto gap = t.check(hdr(7, 0, 4, 2));
  BOOST_TEST((gap.verdict == sequence_verdict::out_of_order));
  BOOST_TEST(!gap.message.empty());
  BOOST_TEST((t.check(hdr(7, 0, 1, 1)).verdict == sequence_verdict::out_of_order));
}

BOOST_AUTO_TEST_CASE(duplicates_of_the_last_five_batches_are_recognised) {
  producer_state_table t;
  int32_t seq = 0;
  for (int i = 0; i < 7; ++i) {
    t.update(hdr(1, 0, seq, 2, 100 + i * 2), 10);
    seq += 2;
  }
  BOOST_TEST(t.find(1)->batches.size() == producer_state_table::max_batches);
  // Batches 2..6 (sequences 4..13) are remembered; 0..1 were evicted.
  for (int i = 2; i < 7; ++i) {
    auto c = t.check(hdr(1, 0, i * 2, 2));
    BOOST_TEST((c.verdict == sequence_verdict::duplicate));
    BOOST_TEST(c.duplicate_of.first_offset == 100 + i * 2);
    BOOST_TEST(c.duplicate_of.last_offset == 101 + i * 2);
  }
  BOOST_TEST((t.check(hdr(1, 0, 2, 2)).verdict == sequence_verdict::out_of_order));
  // Same first sequence but a different length is not a duplicate.
  BOOST_TEST((t.check(hdr(1, 0, 12, 1)).verdict == sequence_verdict::out_of_order));
}

BOOST_AUTO_TEST_CASE(epochs_fence_old_producers_and_new_epochs_start_at_zero) {
  producer_state_table t;
  t.update(hdr(3, 2, 0, 5, 0), 10);
  BOOST_TEST((t.check(hdr(3, 1, 5, 1)).verdict == sequence_verdict::fenced_epoch));
  BOOST_TEST((t.check(hdr(3, 3, 5, 1)).verdict == sequence_verdict::out_of_order));
  BOOST_TEST((t.check(hdr(3, 3, 0, 1)).verdict == sequence_verdict::ok));
  t.update(hdr(3, 3, 0, 1, 5), 20);
  BOOST_TEST(t.find(3)->epoch == 3);
  BOOST_TEST(t.find(3)->batches.size() == 1u);
  // The old epoch's batch is no longer a duplicate: it is fenced.
  BOOST_TEST((t.check(hdr(3, 2, 0, 5)).verdict == sequence_verdict::fenced_epoch));
}

BOOST_AUTO_TEST_CASE(unknown_producers_must_start_at_zero) {
  producer_state_table t;
  BOOST_TEST((t.check(hdr(9, 0, 0, 1)).verdict == sequence_verdict::ok));
  BOOST_TEST((t.check(hdr(9, 0, 17, 1)).verdict == sequence_verdict::unknown_producer));
}

BOOST_AUTO_TEST_CASE(invalid_batches_are_rejected) {
  producer_state_table t;
  auto empty = hdr(1, 0, 0, 1);
  empty.records_count = 0;
  BOOST_TEST((t.check(empty).verdict == sequence_verdict::invalid_record));
  auto plain_empty = hdr(-1, -1, -1, 1);
  plain_empty.records_count = 0;
  BOOST_TEST((t.check(plain_empty).verdict == sequence_verdict::invalid_record));
  auto control = hdr(1, 0, 0, 1);
  control.attributes = protocol::control_bit;
  BOOST_TEST((t.check(control).verdict == sequence_verdict::invalid_record));
  auto txn = hdr(1, 0, 0, 1);
  txn.attributes = protocol::transactional_bit;
  BOOST_TEST((t.check(txn).verdict == sequence_verdict::invalid_record));
  BOOST_TEST((t.check(hdr(1, -1, 0, 1)).verdict == sequence_verdict::invalid_record));
  BOOST_TEST((t.check(hdr(-1, -1, -1, 4)).verdict == sequence_verdict::ok));
}

BOOST_AUTO_TEST_CASE(sequences_wrap_at_int32_max) {
  constexpr int32_t max = std::numeric_limits<int32_t>::max();
  BOOST_TEST(increment_sequence(max, 1) == 0);
  BOOST_TEST(increment_sequence(max - 1, 3) == 1);
  BOOST_TEST(increment_sequence(5, 2) == 7);
  producer_state_table t;
  t.update(hdr(4, 0, max - 3, 2, 0), 1); // sequences max-3, max-2
  auto top = hdr(4, 0, max - 1, 2, 2);   // max-1, max
  BOOST_TEST((t.check(top).verdict == sequence_verdict::ok));
  t.update(top, 1);
  BOOST_TEST(t.find(4)->batches.back().last_seq == max);
  BOOST_TEST((t.check(hdr(4, 0, 1, 1)).verdict == sequence_verdict::out_of_order));
  BOOST_TEST((t.check(hdr(4, 0, 0, 3)).verdict == sequence_verdict::ok));
  t.update(hdr(4, 0, 0, 3, 4), 1);
  BOOST_TEST((t.check(hdr(4, 0, 3, 1)).verdict == sequence_verdict::ok));
  // A batch that itself crosses the wrap: max-1, max, 0.
  producer_state_table u;
  u.update(hdr(6, 0, max - 2, 1, 0), 1);
  BOOST_TEST((u.check(hdr(6, 0, max - 1, 3)).verdict == sequence_verdict::ok));
  u.update(hdr(6, 0, max - 1, 3, 1), 1);
  BOOST_TEST(u.find(6)->batches.back().last_seq == 0);
  BOOST_TEST((u.check(hdr(6, 0, max - 1, 3)).verdict == sequence_verdict::duplicate));
  BOOST_TEST((u.check(hdr(6, 0, 1, 1)).verdict == sequence_verdict::ok));
}

BOOST_AUTO_TEST_CASE(idle_producers_expire) {
  producer_state_table t;
  t.update(hdr(1, 0, 0, 1, 0), 1000);
  t.update(hdr(2, 0, 0, 1, 1), 5000);
  BOOST_TEST(t.expire(5999, 5000) == 0u);
  BOOST_TEST(t.expire(6000, 5000) == 1u);
  BOOST_TEST(!t.find(1));
  BOOST_TEST(t.find(2));
}

BOOST_AUTO_TEST_CASE(snapshot_encoding_round_trips_and_rejects_damage) {
  producer_state_table t;
  for (int p = 0; p < 4; ++p)
    for (int i = 0; i < 6; ++i) t.update(hdr(p, static_cast<int16_t>(p), i, 1, p * 10 + i), 77);
  auto bytes = t.encode();
  auto back = producer_state_table::decode(bytes);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == t));
  for (size_t i = 0; i < bytes.size(); i += 7) {
    auto bad = bytes;
    bad[i] ^= 0x40;
    BOOST_TEST(!producer_state_table::decode(bad).has_value());
  }
  for (size_t n = 0; n < bytes.size(); n += 5)
    BOOST_TEST(!producer_state_table::decode(std::span(bytes).first(n)).has_value());
}

BOOST_AUTO_TEST_CASE(rebuild_from_log_without_snapshot) {
  mem_filesystem fs;
  std::string dir = "/data/t-0";
  producer_state_table expect;
  {
    auto log = must(partition_log::open(fs, dir, log_config{}, 0));
    BOOST_TEST((produce(*log, expect, idem_batch(5, 0, 0, 3)) == sequence_verdict::ok));
    BOOST_TEST((produce(*log, expect, idem_batch(5, 0, 3, 2)) == sequence_verdict::ok));
    BOOST_TEST((produce(*log, expect, idem_batch(-1, -1, -1, 2)) == sequence_verdict::ok));
    BOOST_TEST((produce(*log, expect, idem_batch(5, 0, 3, 2)) == sequence_verdict::duplicate));
    must(log->flush());
  }
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  auto loaded = must(load_producer_state(fs, *log));
  BOOST_TEST(!loaded.from_snapshot);
  BOOST_TEST(loaded.batches_replayed == 2u);
  auto c = loaded.table.check(*protocol::read_batch_header(idem_batch(5, 0, 3, 2)));
  BOOST_TEST((c.verdict == sequence_verdict::duplicate));
  BOOST_TEST(c.duplicate_of.first_offset == 3);
  BOOST_TEST((loaded.table.check(hdr(5, 0, 5, 1)).verdict == sequence_verdict::ok));
}

BOOST_AUTO_TEST_CASE(rebuild_from_snapshot_plus_replay) {
  mem_filesystem fs;
  std::string dir = "/data/t-1";
  producer_state_table live;
  {
    auto log = must(partition_log::open(fs, dir, log_config{}, 0));
    for (int i = 0; i < 4; ++i) produce(*log, live, idem_batch(1, 0, i * 2, 2));
    must(write_snapshot(fs, dir, log->log_end_offset(), live));
    for (int i = 4; i < 6; ++i) produce(*log, live, idem_batch(1, 0, i * 2, 2));
    produce(*log, live, idem_batch(2, 0, 0, 1));
    must(log->flush());
  }
  BOOST_TEST(must(list_snapshots(fs, dir)) == std::vector<int64_t>{8});
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  auto loaded = must(load_producer_state(fs, *log));
  BOOST_TEST(loaded.from_snapshot);
  BOOST_TEST(loaded.next_offset == 8);
  BOOST_TEST(loaded.batches_replayed == 3u);
  BOOST_TEST(loaded.table.find(1)->batches == live.find(1)->batches);
  BOOST_TEST(loaded.table.find(2)->batches == live.find(2)->batches);
}

BOOST_AUTO_TEST_CASE(snapshots_beyond_a_truncated_log_are_discarded) {
  mem_filesystem fs;
  std::string dir = "/data/t-2";
  producer_state_table live;
  {
    auto log = must(partition_log::open(fs, dir, log_config{}, 0));
    produce(*log, live, idem_batch(1, 0, 0, 2));
    must(log->flush());
    must(write_snapshot(fs, dir, log->log_end_offset(), live));
    produce(*log, live, idem_batch(1, 0, 2, 2));
    // The snapshot is durable but the data it covers is not.
    must(write_snapshot(fs, dir, log->log_end_offset(), live));
  }
  fs.crash();
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  BOOST_TEST(log->log_end_offset() == 2);
  auto loaded = must(load_producer_state(fs, *log));
  BOOST_TEST(loaded.from_snapshot);
  BOOST_TEST(loaded.next_offset == 2);
  BOOST_TEST(must(list_snapshots(fs, dir)) == std::vector<int64_t>{2});
  // The lost batch (sequence 2) is accepted again, not taken for a duplicate.
  BOOST_TEST((loaded.table.check(hdr(1, 0, 2, 2)).verdict == sequence_verdict::ok));
}

BOOST_AUTO_TEST_CASE(old_snapshots_are_pruned_and_damaged_ones_skipped) {
  mem_filesystem fs;
  std::string dir = "/data/t-3";
  producer_state_table live;
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  for (int i = 0; i < 4; ++i) {
    produce(*log, live, idem_batch(1, 0, i, 1));
    must(write_snapshot(fs, dir, log->log_end_offset(), live));
  }
  BOOST_TEST(must(list_snapshots(fs, dir)) == (std::vector<int64_t>{3, 4}));
  auto f = must(fs.open(join_path(dir, snapshot_file_name(4)), open_mode::existing));
  must(f->truncate(10));
  f.reset();
  auto loaded = must(load_producer_state(fs, *log));
  BOOST_TEST(loaded.next_offset == 3);
  BOOST_TEST(loaded.batches_replayed == 1u);
  BOOST_TEST(loaded.table.find(1)->batches == live.find(1)->batches);
}
