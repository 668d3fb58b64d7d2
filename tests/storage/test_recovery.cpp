#define BOOST_TEST_MODULE storage_recovery
#include "storage/mem_filesystem.h"
#include "test_util.h"

#include <fcntl.h>
#include <unistd.h>

using namespace caudal::storage;
using namespace caudal::storage::test;
namespace p = caudal::protocol;

namespace {

const std::string dir = "/data/t-3";

log_config small_segments() {
  log_config cfg;
  cfg.segment_bytes = 1200;
  cfg.index_interval_bytes = 150;
  return cfg;
}

/// Appends `count` batches of 3 records, one write each, and keeps a copy of the stored bytes.
void append_batches(partition_log& log, int count, std::vector<std::vector<uint8_t>>& written) {
  for (int i = 0; i < count; ++i) {
    auto b = make_batch(3, static_cast<int64_t>(written.size()) * 10);
    must(log.append(b, 1, 0));
    written.push_back(b);
  }
}

/// The log must hold exactly a prefix of `written`, byte for byte.
void check_prefix_of(partition_log& log, const std::vector<std::vector<uint8_t>>& written) {
  int64_t offset = 0;
  size_t i = 0;
  while (offset < log.log_end_offset()) {
    auto r = must(log.read(offset, 1));
    BOOST_REQUIRE(i < written.size());
    BOOST_REQUIRE(r.bytes == written[i]);
    offset = r.next_offset;
    ++i;
  }
  BOOST_TEST(log.log_end_offset() == static_cast<int64_t>(i) * 3);
}

} // namespace

BOOST_AUTO_TEST_CASE(power_loss_keeps_exactly_the_synced_prefix) {
  mem_filesystem fs;
  std::vector<std::vector<uint8_t>> written;
  {
    auto log = must(partition_log::open(fs, dir, small_segments(), 0));
    append_batches(*log, 20, written); // several rolls: rolled segments are synced
    must(log->flush());
    BOOST_TEST(log->flushed_offset() == 60);
    append_batches(*log, 7, written);
  }
  fs.crash(crash_mode::lose_unsynced);
  auto log = must(partition_log::open(fs, dir, small_segments(), 0));
  BOOST_TEST(log->log_end_offset() >= 60);
  BOOST_TEST(log->log_end_offset() <= 81);
  check_prefix_of(*log, written);
  check_contiguous(*log);
  // The log keeps working after recovery.
  auto b = make_batch(1, 0);
  int64_t leo = log->log_end_offset();
  BOOST_TEST(must(log->append(b, 2, 0)).base_offset == leo);
}

BOOST_AUTO_TEST_CASE(unsynced_single_segment_tail_is_lost_on_power_loss) {
  mem_filesystem fs;
  std::vector<std::vector<uint8_t>> written;
  {
    auto log = must(partition_log::open(fs, dir, log_config{}, 0));
    append_batches(*log, 5, written);
    must(log->flush());
    append_batches(*log, 3, written);
  }
  fs.crash(crash_mode::lose_unsynced);
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  BOOST_TEST(log->log_end_offset() == 15);
  check_prefix_of(*log, written);
}

BOOST_AUTO_TEST_CASE(torn_last_write_is_truncated) {
  int torn_runs = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    mem_filesystem fs;
    std::vector<std::vector<uint8_t>> written;
    {
      auto log = must(partition_log::open(fs, dir, log_config{}, 0));
      append_batches(*log, 4, written);
      must(log->flush());
      append_batches(*log, 3, written);
    }
    fs.crash(crash_mode::tear_last_write, seed);
    auto log = must(partition_log::open(fs, dir, log_config{}, 0));
    // The first two unsynced batches survive whole; the third is torn and cut.
    BOOST_TEST(log->log_end_offset() == 18);
    check_prefix_of(*log, written);
    if (log->last_recovery().bytes_truncated > 0) ++torn_runs;
  }
  BOOST_TEST(torn_runs > 20); // a tear at length 0 leaves nothing to cut
}

BOOST_AUTO_TEST_CASE(random_crashes_always_recover_a_prefix) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    mem_filesystem fs;
    std::vector<std::vector<uint8_t>> written;
    int64_t synced = 0;
    {
      auto log = must(partition_log::open(fs, dir, small_segments(), 0));
      append_batches(*log, static_cast<int>(seed % 7) + 3, written);
      must(log->flush());
      synced = log->flushed_offset();
      append_batches(*log, static_cast<int>(seed % 11) + 1, written);
    }
    fs.crash(crash_mode::random_prefix, seed);
    auto log = must(partition_log::open(fs, dir, small_segments(), 0));
    BOOST_TEST(log->log_end_offset() >= synced);
    check_prefix_of(*log, written);
    // Reopening again changes nothing: recovery left a durable, clean log.
    int64_t leo = log->log_end_offset();
    log.reset();
    fs.crash(crash_mode::lose_unsynced);
    auto again = must(partition_log::open(fs, dir, small_segments(), 0));
    BOOST_TEST(again->log_end_offset() == leo);
    BOOST_TEST(again->last_recovery().bytes_truncated == 0);
  }
}

BOOST_AUTO_TEST_CASE(corrupt_byte_in_posix_file_truncates_at_that_batch) {
  temp_dir tmp;
  posix_filesystem fs;
  auto pdir = partition_dir(tmp.path, "orders", 2);
  BOOST_TEST(pdir == tmp.path + "/orders-2");
  std::vector<std::vector<uint8_t>> written;
  uint64_t corrupt_at = 0;
  {
    auto log = must(partition_log::open(fs, pdir, log_config{}, 0));
    append_batches(*log, 10, written);
    for (size_t i = 0; i < 6; ++i) corrupt_at += written[i].size();
    must(log->close());
  }
  // Flip a byte inside the records of the 7th batch (offset 18).
  auto path = pdir + "/" + segment::file_name(0, ".log");
  int fd = ::open(path.c_str(), O_RDWR);
  BOOST_REQUIRE(fd >= 0);
  uint8_t byte = 0;
  BOOST_REQUIRE(::pread(fd, &byte, 1, static_cast<off_t>(corrupt_at + 70)) == 1);
  byte ^= 0x5a;
  BOOST_REQUIRE(::pwrite(fd, &byte, 1, static_cast<off_t>(corrupt_at + 70)) == 1);
  ::close(fd);
  auto log = must(partition_log::open(fs, pdir, log_config{}, 0));
  BOOST_TEST(log->log_end_offset() == 18);
  BOOST_TEST(log->last_recovery().bytes_truncated > 0);
  check_prefix_of(*log, written);
  BOOST_TEST(must(fs.file_size(path)) == corrupt_at);
  auto b = make_batch(2, 0);
  BOOST_TEST(must(log->append(b, 1, 0)).base_offset == 18);
}

BOOST_AUTO_TEST_CASE(lost_or_garbled_checkpoint_means_full_scan) {
  mem_filesystem fs;
  std::vector<std::vector<uint8_t>> written;
  {
    auto log = must(partition_log::open(fs, dir, small_segments(), 0));
    append_batches(*log, 20, written);
    must(log->close());
  }
  auto* cp = fs.contents(dir + "/partition.checkpoint");
  BOOST_REQUIRE(cp != nullptr);
  (*cp)[0] = 'x';
  auto log = must(partition_log::open(fs, dir, small_segments(), 0));
  BOOST_TEST(!log->last_recovery().checkpoint_found);
  BOOST_TEST(log->last_recovery().segments_scanned == log->segment_count());
  check_prefix_of(*log, written);
}

BOOST_AUTO_TEST_CASE(damaged_index_is_rebuilt) {
  mem_filesystem fs;
  std::vector<std::vector<uint8_t>> written;
  {
    auto log = must(partition_log::open(fs, dir, small_segments(), 0));
    append_batches(*log, 20, written);
    must(log->close());
  }
  auto* idx = fs.contents(dir + "/" + segment::file_name(0, ".index"));
  BOOST_REQUIRE(idx != nullptr && idx->size() >= 16);
  (*idx)[12] = 0xff; // second entry's position now points far past the log
  auto log = must(partition_log::open(fs, dir, small_segments(), 0));
  check_prefix_of(*log, written);
  BOOST_TEST(log->log_end_offset() == 60);
}

BOOST_AUTO_TEST_CASE(failed_fsync_is_reported) {
  mem_filesystem fs;
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  std::vector<std::vector<uint8_t>> written;
  append_batches(*log, 2, written);
  fs.fail_next_syncs(1);
  auto st = log->flush();
  BOOST_REQUIRE(!st);
  BOOST_TEST(st.error().code == errc::io_error);
  // Kafka takes a log dir offline after an I/O error: so does the log.
  BOOST_TEST(!log->read(0, 100));
  BOOST_TEST(log->flushed_offset() == 0);
}

BOOST_AUTO_TEST_CASE(orphan_index_files_are_removed_and_never_reused) {
  mem_filesystem fs;
  must(fs.create_dirs(dir));
  // An index left behind by an interrupted segment deletion, for base offset 6.
  for (auto suffix : {".index", ".timeindex"}) {
    auto f = must(fs.open(dir + "/" + segment::file_name(6, suffix), open_mode::create));
    std::vector<uint8_t> junk(24, 0x01);
    must(f->append(junk));
  }
  must(fs.open(dir + "/partition.checkpoint.tmp", open_mode::create));
  std::vector<std::vector<uint8_t>> written;
  log_config cfg;
  cfg.segment_bytes = 1; // every append rolls: the second segment starts at offset 3, then 6
  cfg.index_interval_bytes = 0;
  {
    auto log = must(partition_log::open(fs, dir, cfg, 0));
    BOOST_TEST(!must(fs.exists(dir + "/" + segment::file_name(6, ".index"))));
    BOOST_TEST(!must(fs.exists(dir + "/partition.checkpoint.tmp")));
    append_batches(*log, 4, written);
    BOOST_TEST(log->segment_count() == 4u);
  }
  auto log = must(partition_log::open(fs, dir, cfg, 0));
  BOOST_TEST(log->log_end_offset() == 12);
  check_prefix_of(*log, written);
}
