#define BOOST_TEST_MODULE storage_partition_log
#include "storage/mem_filesystem.h"
#include "test_util.h"

using namespace caudal::storage;
using namespace caudal::storage::test;
namespace p = caudal::protocol;

namespace {

const std::string dir = "/data/events-0";

std::unique_ptr<partition_log> open_log(filesystem& fs, log_config cfg = {}, int64_t now = 0) {
  return must(partition_log::open(fs, dir, cfg, now));
}

append_info append(partition_log& log, int records, int64_t ts, int64_t now = 0,
                   size_t value_size = 16) {
  auto batch = make_batch(records, ts, value_size);
  return must(log.append(batch, 3, now));
}

log_config small_segments() {
  log_config cfg;
  cfg.segment_bytes = 1000;
  cfg.index_interval_bytes = 100;
  return cfg;
}

} // namespace

BOOST_AUTO_TEST_CASE(append_assigns_offsets_and_epoch_in_place) {
  mem_filesystem fs;
  auto log = open_log(fs);
  auto batch = make_batch(5, 1000);
  auto info = must(log->append(batch, 7, 0));
  BOOST_TEST(info.base_offset == 0);
  BOOST_TEST(info.last_offset == 4);
  BOOST_TEST(info.record_count == 5);
  BOOST_TEST(info.log_append_time_ms == -1);
  BOOST_TEST(info.max_timestamp == 1004);
  auto info2 = append(*log, 3, 2000);
  BOOST_TEST(info2.base_offset == 5);
  BOOST_TEST(log->log_end_offset() == 8);
  auto r = must(log->read(0, 1 << 20));
  BOOST_TEST(r.next_offset == 8);
  auto h = p::read_batch_header(r.bytes);
  BOOST_REQUIRE(h.has_value());
  BOOST_TEST(h->base_offset == 0);
  BOOST_TEST(h->partition_leader_epoch == 7);
  // The stored bytes are the caller's bytes after the in-place rewrite.
  BOOST_TEST(std::equal(batch.begin(), batch.end(), r.bytes.begin()));
  BOOST_TEST(fs.exists(dir + "/00000000000000000000.log").value());
  BOOST_TEST(fs.exists(dir + "/00000000000000000000.index").value());
  BOOST_TEST(fs.exists(dir + "/00000000000000000000.timeindex").value());
}

BOOST_AUTO_TEST_CASE(invalid_batches_are_rejected_without_writing) {
  mem_filesystem fs;
  log_config cfg;
  cfg.max_message_bytes = 300;
  auto log = open_log(fs, cfg);
  append(*log, 2, 0);
  auto corrupt = make_batch(2, 0);
  corrupt.back() ^= 0xff;
  auto r = log->append(corrupt, 0, 0);
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == errc::invalid_batch);
  auto big = make_batch(10, 0, 100);
  auto r2 = log->append(big, 0, 0);
  BOOST_REQUIRE(!r2);
  BOOST_TEST(r2.error().code == errc::message_too_large);
  std::vector<uint8_t> garbage(30, 1);
  BOOST_TEST(!log->append(garbage, 0, 0));
  BOOST_TEST(log->log_end_offset() == 2);
  check_contiguous(*log);
}

BOOST_AUTO_TEST_CASE(multi_batch_append) {
  mem_filesystem fs;
  auto log = open_log(fs);
  auto set = make_batch(3, 10);
  auto second = make_batch(4, 20);
  set.insert(set.end(), second.begin(), second.end());
  auto info = must(log->append(set, 1, 0));
  BOOST_TEST(info.batch_count == 2);
  BOOST_TEST(info.last_offset == 6);
  auto all = read_all(*log);
  BOOST_REQUIRE(all.size() == 2);
  BOOST_TEST(all[1].base_offset == 3);
}

BOOST_AUTO_TEST_CASE(append_and_read_across_segment_rolls) {
  mem_filesystem fs;
  auto log = open_log(fs, small_segments());
  for (int i = 0; i < 40; ++i) append(*log, 3, 1000 + i * 10);
  BOOST_TEST(log->log_end_offset() == 120);
  BOOST_TEST(log->segment_count() > 5);
  auto bases = log->segment_base_offsets();
  for (auto base : bases)
    BOOST_TEST(fs.exists(dir + "/" + segment::file_name(base, ".log")).value());
  check_contiguous(*log);
  // Reading any offset yields the batch containing it first.
  for (int64_t o = 0; o < 120; ++o) {
    auto r = must(log->read(o, 1));
    auto h = p::read_batch_header(r.bytes);
    BOOST_REQUIRE(h.has_value());
    BOOST_TEST(h->base_offset <= o);
    BOOST_TEST(h->last_offset() >= o);
    BOOST_TEST(r.next_offset == h->last_offset() + 1);
  }
}

BOOST_AUTO_TEST_CASE(read_limits) {
  mem_filesystem fs;
  auto log = open_log(fs);
  for (int i = 0; i < 10; ++i) append(*log, 2, i);
  auto one = must(log->read(0, 1));
  size_t batch_size = one.bytes.size();
  auto three = must(log->read(0, 3 * batch_size + 5));
  BOOST_TEST(three.bytes.size() == 3 * batch_size);
  BOOST_TEST(three.next_offset == 6);
  // max_offset (high watermark) is exclusive and whole batches only.
  auto hw = must(log->read(2, 1 << 20, 7));
  BOOST_TEST(hw.next_offset == 6);
  auto none = must(log->read(4, 1, 4));
  BOOST_TEST(none.bytes.empty());
  auto strict = must(log->read(0, 1, partition_log::no_limit, false));
  BOOST_TEST(strict.bytes.empty());
  auto at_end = must(log->read(20, 100));
  BOOST_TEST(at_end.bytes.empty());
  BOOST_TEST(at_end.next_offset == 20);
  auto past = log->read(21, 100);
  BOOST_REQUIRE(!past);
  BOOST_TEST(past.error().code == errc::offset_out_of_range);
}

BOOST_AUTO_TEST_CASE(index_lookup_from_the_middle_after_reopen) {
  mem_filesystem fs;
  auto cfg = small_segments();
  cfg.segment_bytes = 100000;
  {
    auto log = open_log(fs, cfg);
    for (int i = 0; i < 200; ++i) append(*log, 2, i);
    must(log->close());
  }
  BOOST_TEST(fs.contents(dir + "/00000000000000000000.index")->size() > 8 * 50);
  auto log = open_log(fs, cfg);
  BOOST_TEST(log->last_recovery().bytes_truncated == 0);
  BOOST_TEST(log->log_end_offset() == 400);
  for (int64_t o : {0, 1, 177, 250, 399}) {
    auto r = must(log->read(o, 1));
    auto h = p::read_batch_header(r.bytes);
    BOOST_TEST(h->base_offset == o - o % 2);
  }
}

BOOST_AUTO_TEST_CASE(log_append_time_rewrites_timestamp_and_crc) {
  mem_filesystem fs;
  log_config cfg;
  cfg.log_append_time = true;
  auto log = open_log(fs, cfg);
  auto info = append(*log, 4, 5, 777000);
  BOOST_TEST(info.log_append_time_ms == 777000);
  auto r = must(log->read(0, 1 << 20));
  auto h = p::read_batch_header(r.bytes);
  BOOST_TEST(h->max_timestamp == 777000);
  BOOST_TEST(h->log_append_time());
  BOOST_TEST(p::check_batch_integrity(r.bytes) == p::batch_error::none);
  auto ts = must(log->offset_for_timestamp(700000));
  BOOST_REQUIRE(ts.has_value());
  BOOST_TEST(ts->offset == 0);
  BOOST_TEST(ts->timestamp == 777000);
}

BOOST_AUTO_TEST_CASE(offset_for_timestamp_finds_the_first_record) {
  mem_filesystem fs;
  auto log = open_log(fs, small_segments());
  // Batch i holds offsets 3i..3i+2 with timestamps 1000+10i .. 1000+10i+2.
  for (int i = 0; i < 40; ++i) append(*log, 3, 1000 + i * 10);
  BOOST_TEST(log->segment_count() > 3);
  auto at = [&](int64_t ts) { return must(log->offset_for_timestamp(ts)); };
  BOOST_TEST(at(0)->offset == 0);
  BOOST_TEST(at(1000)->offset == 0);
  BOOST_TEST(at(1001)->offset == 1);
  BOOST_TEST(at(1002)->timestamp == 1002);
  BOOST_TEST(at(1003)->offset == 3); // no record has 1003..1009
  BOOST_TEST(at(1003)->timestamp == 1010);
  BOOST_TEST(at(1251)->offset == 76);
  BOOST_TEST(at(1392)->offset == 119);
  BOOST_TEST(!at(1393).has_value());
  auto max = must(log->max_timestamp());
  BOOST_REQUIRE(max.has_value());
  BOOST_TEST(max->timestamp == 1392);
  BOOST_TEST(max->offset == 119);
  // Records below the log start are not answers.
  must(log->delete_records_before(50));
  BOOST_TEST(at(1000)->offset == 50);
}

BOOST_AUTO_TEST_CASE(segment_ms_rolls_by_time_of_first_append) {
  mem_filesystem fs;
  log_config cfg;
  cfg.segment_ms = 1000;
  auto log = open_log(fs, cfg, 0);
  append(*log, 1, 0, 5000);
  append(*log, 1, 0, 5900);
  BOOST_TEST(log->segment_count() == 1);
  append(*log, 1, 0, 6001);
  BOOST_TEST(log->segment_count() == 2);
  BOOST_TEST(log->segment_base_offsets().back() == 2);
  BOOST_TEST(log->flushed_offset() == 2); // the rolled segment was synced
}

BOOST_AUTO_TEST_CASE(retention_by_time_deletes_whole_segments_and_persists_start) {
  mem_filesystem fs;
  auto cfg = small_segments();
  cfg.retention_ms = 1000;
  {
    auto log = open_log(fs, cfg);
    for (int i = 0; i < 30; ++i) append(*log, 3, i * 100); // timestamps 0..2902
    size_t before = log->segment_count();
    BOOST_TEST(must(log->enforce_retention(1000)) == 0); // first segment newest ts > 0
    auto deleted = must(log->enforce_retention(3000));
    BOOST_TEST(deleted > 0);
    BOOST_TEST(log->segment_count() == before - deleted);
    BOOST_TEST(log->log_start_offset() == log->segment_base_offsets().front());
    BOOST_TEST(log->log_start_offset() > 0);
    auto r = log->read(0, 100);
    BOOST_TEST(!r);
    check_contiguous(*log);
  }
  auto log = open_log(fs, cfg);
  BOOST_TEST(log->log_start_offset() > 0);
  BOOST_TEST(log->log_end_offset() == 90);
  check_contiguous(*log);
  // Everything expired: the active segment is rolled and deleted too.
  BOOST_TEST(must(log->enforce_retention(1000000)) > 0);
  BOOST_TEST(log->log_start_offset() == 90);
  BOOST_TEST(log->log_end_offset() == 90);
  BOOST_TEST(log->segment_count() == 1);
  BOOST_TEST(append(*log, 1, 0).base_offset == 90);
}

BOOST_AUTO_TEST_CASE(retention_by_size_and_high_watermark) {
  mem_filesystem fs;
  auto cfg = small_segments();
  cfg.retention_ms = -1;
  cfg.retention_bytes = 2500;
  auto log = open_log(fs, cfg);
  for (int i = 0; i < 40; ++i) append(*log, 3, i);
  int64_t total = log->size_bytes();
  BOOST_REQUIRE(total > 5000);
  // Nothing at or above the high watermark may go.
  BOOST_TEST(must(log->enforce_retention(0, 0)) == 0);
  auto deleted = must(log->enforce_retention(0));
  BOOST_TEST(deleted > 0);
  BOOST_TEST(log->size_bytes() <= total);
  BOOST_TEST(log->size_bytes() >= 2500 - 1000); // only whole segments over the limit go
  BOOST_TEST(log->size_bytes() - static_cast<int64_t>(1000) <= 2500);
  BOOST_TEST(must(log->enforce_retention(0)) == 0);
  check_contiguous(*log);
}

BOOST_AUTO_TEST_CASE(delete_records_moves_start_durably) {
  mem_filesystem fs;
  auto cfg = small_segments();
  {
    auto log = open_log(fs, cfg);
    for (int i = 0; i < 30; ++i) append(*log, 3, i);
    size_t before = log->segment_count();
    must(log->delete_records_before(40));
    BOOST_TEST(log->log_start_offset() == 40);
    BOOST_TEST(log->segment_count() < before);
    BOOST_TEST(!log->read(39, 10));
    auto r = must(log->read(40, 1));
    BOOST_TEST(p::read_batch_header(r.bytes)->base_offset == 39); // whole batch containing 40
    BOOST_TEST(!log->delete_records_before(91));
  }
  fs.crash(); // the start offset was checkpointed durably
  auto log = open_log(fs, cfg);
  BOOST_TEST(log->log_start_offset() == 40);
}

BOOST_AUTO_TEST_CASE(truncate_to_drops_the_tail) {
  mem_filesystem fs;
  auto cfg = small_segments();
  {
    auto log = open_log(fs, cfg);
    for (int i = 0; i < 30; ++i) append(*log, 3, i);
    size_t before = log->segment_count();
    must(log->truncate_to(31)); // mid-batch: the whole batch 30..32 goes
    BOOST_TEST(log->log_end_offset() == 30);
    BOOST_TEST(log->segment_count() < before);
    check_contiguous(*log);
    BOOST_TEST(append(*log, 2, 0).base_offset == 30);
    must(log->truncate_to(100)); // beyond the end: nothing to do
    BOOST_TEST(log->log_end_offset() == 32);
  }
  fs.crash();
  auto log = open_log(fs, cfg);
  BOOST_TEST(log->log_end_offset() >= 30);
  check_contiguous(*log);
  must(log->truncate_fully_and_start_at(500));
  BOOST_TEST(log->log_start_offset() == 500);
  BOOST_TEST(append(*log, 1, 0).base_offset == 500);
}

BOOST_AUTO_TEST_CASE(flush_policy_by_messages_and_time) {
  mem_filesystem fs;
  log_config cfg;
  cfg.flush_messages = 5;
  auto log = open_log(fs, cfg);
  uint64_t syncs = fs.sync_count();
  append(*log, 2, 0);
  append(*log, 2, 0);
  BOOST_TEST(fs.sync_count() == syncs);
  BOOST_TEST(log->flushed_offset() == 0);
  append(*log, 2, 0);
  BOOST_TEST(fs.sync_count() > syncs);
  BOOST_TEST(log->flushed_offset() == 6);
  cfg.flush_messages = partition_log::no_limit;
  cfg.flush_ms = 1000;
  log->update_config(cfg);
  append(*log, 1, 0, 100);
  must(log->maybe_flush(500));
  BOOST_TEST(log->flushed_offset() == 6);
  must(log->maybe_flush(1200));
  BOOST_TEST(log->flushed_offset() == 7);
}

BOOST_AUTO_TEST_CASE(clean_reopen_scans_only_the_last_segment) {
  mem_filesystem fs;
  auto cfg = small_segments();
  {
    auto log = open_log(fs, cfg);
    for (int i = 0; i < 30; ++i) append(*log, 3, i);
    must(log->close());
  }
  auto log = open_log(fs, cfg);
  BOOST_TEST(log->last_recovery().checkpoint_found);
  BOOST_TEST(log->last_recovery().segments_scanned == 1);
  BOOST_TEST(log->log_end_offset() == 90);
  check_contiguous(*log);
}
