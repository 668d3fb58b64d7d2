#define BOOST_TEST_MODULE storage_leader_epoch
// The leader-epoch-checkpoint (leader_epoch_cache) on its own and as the
// partition log keeps it: appends, replication, truncation, retention and
// recovery after crashes of every mem_filesystem mode.
#include "storage/leader_epoch_cache.h"
#include "storage/mem_filesystem.h"
#include "test_util.h"

using namespace caudal::storage;
using namespace caudal::storage::test;
namespace p = caudal::protocol;

using entries = std::vector<epoch_entry>;

namespace caudal::storage {
std::ostream& operator<<(std::ostream& os, const epoch_entry& e) {
  return os << "(" << e.epoch << "," << e.start_offset << ")";
}
} // namespace caudal::storage

namespace {

const std::string dir = "/data/t-0";
using epoch_offset = std::pair<int32_t, int64_t>;

std::string file_text(mem_filesystem& fs) {
  auto* bytes = fs.contents(join_path(dir, std::string(leader_epoch_file_name)));
  BOOST_REQUIRE(bytes != nullptr);
  return std::string(bytes->begin(), bytes->end());
}

leader_epoch_cache loaded(mem_filesystem& fs, bool expect_found = true) {
  leader_epoch_cache c(fs, dir);
  BOOST_TEST(must(c.load()) == expect_found);
  return c;
}

// Entries [(0,0), (2,10), (5,20)], flushed.
leader_epoch_cache three_epochs(mem_filesystem& fs) {
  must(fs.create_dirs(dir));
  leader_epoch_cache c(fs, dir);
  c.assign(0, 0);
  c.assign(2, 10);
  c.assign(5, 20);
  must(c.flush());
  return c;
}

log_config small_segments() {
  log_config cfg;
  cfg.segment_bytes = 1200;
  cfg.index_interval_bytes = 150;
  return cfg;
}

/// What the cache must hold: the first batch of each rising epoch, per the log's batches.
entries epochs_of_batches(partition_log& log) {
  entries out;
  for (const auto& h : read_all(log)) {
    if (h.partition_leader_epoch < 0) continue;
    if (out.empty() || h.partition_leader_epoch > out.back().epoch)
      out.push_back({h.partition_leader_epoch, std::max(h.base_offset, log.log_start_offset())});
  }
  return out;
}

/// A batch as a leader would have stored it: offsets and epoch already set.
std::vector<uint8_t> stored_batch(int64_t base, int32_t epoch, int records, int64_t ts = 0) {
  p::batch_builder b;
  b.base_offset(base).partition_leader_epoch(epoch);
  for (int i = 0; i < records; ++i) b.add_text(ts + i, "k", "value-" + std::to_string(i));
  return b.build();
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& v : parts) out.insert(out.end(), v.begin(), v.end());
  return out;
}

/// Every stored byte of the log from its start, batch by batch.
std::vector<uint8_t> all_bytes(partition_log& log) {
  std::vector<uint8_t> out;
  int64_t offset = log.log_start_offset();
  while (offset < log.log_end_offset()) {
    auto r = must(log.read(offset, 1 << 20));
    BOOST_REQUIRE(!r.bytes.empty());
    out.insert(out.end(), r.bytes.begin(), r.bytes.end());
    offset = r.next_offset;
  }
  return out;
}

/// Copies the leader's batches from the follower's end, as a pull replica would.
void replicate(partition_log& leader, partition_log& follower, size_t max_bytes = 700) {
  while (follower.log_end_offset() < leader.log_end_offset()) {
    auto r = must(leader.read(follower.log_end_offset(), max_bytes));
    must(follower.append_replicated(r.bytes, 0));
  }
}

/// Appends `count` batches of 2 records with `epoch` (as leader).
void append_epoch(partition_log& log, int32_t epoch, int count) {
  for (int i = 0; i < count; ++i) {
    auto b = make_batch(2, i);
    must(log.append(b, epoch, 0));
  }
}

} // namespace

// ------------------------------------------------------------- the cache alone

BOOST_AUTO_TEST_CASE(file_format_is_kafkas) {
  mem_filesystem fs;
  three_epochs(fs);
  BOOST_TEST(file_text(fs) == "0\n3\n0 0\n2 10\n5 20\n");
  BOOST_TEST(encode_epoch_checkpoint({}) == "0\n0\n");
  auto parsed = parse_epoch_checkpoint("0\n2\n1 0\n4 7\n");
  BOOST_REQUIRE(parsed.has_value());
  BOOST_TEST(*parsed == (entries{{1, 0}, {4, 7}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_files_are_rejected) {
  for (std::string_view bad : {"", "1\n0\n", "0\n2\n1 0\n", "0\n1\n1 0\n2 5\n", "0\n2\n3 0\n2 5\n",
                               "0\n2\n1 5\n2 5\n", "0\n1\n-1 0\n", "0\n1\n1 -4\n", "0\n1\n1 0",
                               "0\n1\n1  0\n", "0\n-1\n", "x\n0\n", "0\n1\n99999999999 0\n"})
    BOOST_TEST(!parse_epoch_checkpoint(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(assign_only_takes_newer_epochs) {
  mem_filesystem fs;
  auto c = three_epochs(fs);
  c.assign(5, 25); // same epoch: ignored
  c.assign(3, 30); // older: ignored
  c.assign(-1, 40);
  BOOST_TEST(!c.dirty());
  BOOST_TEST(c.entries() == (entries{{0, 0}, {2, 10}, {5, 20}}), boost::test_tools::per_element());
  c.assign(7, 20); // an epoch that got no batch (5 at 20) is superseded
  BOOST_TEST(c.entries() == (entries{{0, 0}, {2, 10}, {7, 20}}), boost::test_tools::per_element());
  BOOST_TEST(c.latest_epoch() == 7);
}

BOOST_AUTO_TEST_CASE(assign_is_written_by_flush_truncations_at_once) {
  mem_filesystem fs;
  auto c = three_epochs(fs);
  c.assign(6, 30);
  BOOST_TEST(c.dirty());
  BOOST_TEST(loaded(fs).latest_epoch() == 5); // not yet on disk
  must(c.flush());
  BOOST_TEST(loaded(fs).latest_epoch() == 6);
  must(c.truncate_from_end(20));
  BOOST_TEST(loaded(fs).entries() == (entries{{0, 0}, {2, 10}}), boost::test_tools::per_element());
  fs.crash(crash_mode::lose_unsynced); // written durably: survives a power loss
  BOOST_TEST(loaded(fs).entries() == (entries{{0, 0}, {2, 10}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_or_damaged_file_loads_empty_and_not_found) {
  mem_filesystem fs;
  must(fs.create_dirs(dir));
  BOOST_TEST(loaded(fs, false).entries().empty());
  three_epochs(fs);
  auto* bytes = fs.contents(join_path(dir, std::string(leader_epoch_file_name)));
  (*bytes)[0] = '7';
  BOOST_TEST(loaded(fs, false).entries().empty());
}

BOOST_AUTO_TEST_CASE(truncate_from_end_drops_entries_at_or_after) {
  mem_filesystem fs;
  auto c = three_epochs(fs);
  must(c.truncate_from_end(25)); // inside epoch 5: nothing starts there
  BOOST_TEST(c.entries().size() == 3u);
  must(c.truncate_from_end(20));
  BOOST_TEST(c.entries() == (entries{{0, 0}, {2, 10}}), boost::test_tools::per_element());
  must(c.truncate_from_end(0));
  BOOST_TEST(c.entries().empty());
  BOOST_TEST(c.latest_epoch() == -1);
}

BOOST_AUTO_TEST_CASE(truncate_from_start_moves_the_covering_entry) {
  mem_filesystem fs;
  auto c = three_epochs(fs);
  must(c.truncate_from_start(0)); // no change
  BOOST_TEST(c.entries().size() == 3u);
  must(c.truncate_from_start(12));
  BOOST_TEST(c.entries() == (entries{{2, 12}, {5, 20}}), boost::test_tools::per_element());
  must(c.truncate_from_start(20));
  BOOST_TEST(c.entries() == (entries{{5, 20}}), boost::test_tools::per_element());
  must(c.truncate_from_start(100)); // past the last start: the latest epoch stays, moved
  BOOST_TEST(c.entries() == (entries{{5, 100}}), boost::test_tools::per_element());
  BOOST_TEST(loaded(fs).entries() == (entries{{5, 100}}), boost::test_tools::per_element());
}

// Kafka's LeaderEpochFileCache.endOffsetFor cases.
BOOST_AUTO_TEST_CASE(end_offset_for_matches_kafka) {
  mem_filesystem fs;
  auto c = three_epochs(fs);
  BOOST_TEST((c.end_offset_for(-1, 30) == epoch_offset{-1, -1})); // undefined epoch
  BOOST_TEST((c.end_offset_for(5, 30) == epoch_offset{5, 30}));   // latest: the log end
  BOOST_TEST((c.end_offset_for(6, 30) == epoch_offset{-1, -1}));  // unknown newer epoch
  BOOST_TEST((c.end_offset_for(2, 30) == epoch_offset{2, 20}));   // start of the next
  BOOST_TEST((c.end_offset_for(3, 30) == epoch_offset{2, 20}));   // gap: the epoch below
  BOOST_TEST((c.end_offset_for(4, 30) == epoch_offset{2, 20}));
  BOOST_TEST((c.end_offset_for(1, 30) == epoch_offset{0, 10}));
  BOOST_TEST((c.end_offset_for(0, 30) == epoch_offset{0, 10}));
  must(c.truncate_from_start(12));                              // epochs 0 and 1 gone with the data
  BOOST_TEST((c.end_offset_for(1, 30) == epoch_offset{1, 12})); // older than all: first start
  must(c.reset({}));
  BOOST_TEST((c.end_offset_for(0, 30) == epoch_offset{-1, -1}));
  BOOST_TEST(loaded(fs).entries().empty());
}

// ------------------------------------------------------------- in the partition log

BOOST_AUTO_TEST_CASE(append_starts_an_entry_per_new_epoch) {
  mem_filesystem fs;
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  BOOST_TEST(log->last_epoch() == -1);
  append_epoch(*log, 1, 2); // offsets 0..3
  append_epoch(*log, 1, 1); // 4..5
  append_epoch(*log, 4, 2); // 6..9
  BOOST_TEST(log->last_epoch() == 4);
  BOOST_TEST(log->epoch_entries() == (entries{{1, 0}, {4, 6}}), boost::test_tools::per_element());
  BOOST_TEST((log->end_offset_for_epoch(1) == epoch_offset{1, 6}));
  BOOST_TEST((log->end_offset_for_epoch(3) == epoch_offset{1, 6}));
  BOOST_TEST((log->end_offset_for_epoch(4) == epoch_offset{4, 10}));
  BOOST_TEST((log->end_offset_for_epoch(5) == epoch_offset{-1, -1}));
  must(log->close());
  auto again = must(partition_log::open(fs, dir, log_config{}, 0));
  BOOST_TEST(!again->last_recovery().epochs_rebuilt);
  BOOST_TEST(again->epoch_entries() == log->epoch_entries(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(follower_copy_is_byte_for_byte_equal) {
  mem_filesystem fs;
  auto leader = must(partition_log::open(fs, "/leader/t-0", small_segments(), 0));
  auto follower = must(partition_log::open(fs, "/follower/t-0", small_segments(), 0));
  append_epoch(*leader, 1, 6);
  std::vector<int32_t> voters{1, 2, 3};
  auto marker = p::build_leader_change_batch(3, 2, voters, 77);
  must(leader->append(marker, 3, 0));
  append_epoch(*leader, 3, 9);
  replicate(*leader, *follower);
  BOOST_TEST(follower->log_end_offset() == leader->log_end_offset());
  BOOST_TEST(all_bytes(*follower) == all_bytes(*leader));
  BOOST_TEST(follower->epoch_entries() == leader->epoch_entries(),
             boost::test_tools::per_element());
  BOOST_TEST(follower->segment_count() > 1u); // the copy rolled segments too
  check_contiguous(*follower);
}

BOOST_AUTO_TEST_CASE(append_replicated_refusals_write_nothing) {
  mem_filesystem fs;
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  must(log->append_replicated(concat({stored_batch(0, 2, 3), stored_batch(3, 2, 2)}), 0));
  BOOST_TEST(log->log_end_offset() == 5);
  auto refuse = [&](const std::vector<uint8_t>& set, const char* what) {
    auto r = log->append_replicated(set, 0);
    BOOST_TEST(!r.has_value(), what);
    if (!r) BOOST_TEST(r.error().code == errc::invalid_batch, what);
    BOOST_TEST(log->log_end_offset() == 5, what);
  };
  refuse(stored_batch(6, 2, 1), "gap after the log end");
  refuse(stored_batch(4, 2, 1), "overlap with the log");
  refuse(concat({stored_batch(5, 2, 1), stored_batch(7, 2, 1)}), "gap between batches");
  refuse(stored_batch(5, 1, 1), "epoch below the log's");
  refuse(concat({stored_batch(5, 4, 1), stored_batch(6, 3, 1)}), "epoch decreasing in the set");
  auto bad_crc = stored_batch(5, 2, 2);
  bad_crc.back() ^= 0x01;
  refuse(bad_crc, "CRC mismatch");
  auto magic1 = stored_batch(5, 2, 1);
  magic1[p::magic_offset] = 1;
  refuse(magic1, "magic 1");
  refuse({}, "empty record set");
  auto partial = stored_batch(5, 2, 1);
  partial.pop_back();
  refuse(partial, "truncated batch");
  BOOST_TEST(log->epoch_entries() == (entries{{2, 0}}), boost::test_tools::per_element());
  // The log still takes the right continuation, keeping offsets and epoch.
  auto good = stored_batch(5, 6, 2);
  auto info = must(log->append_replicated(good, 0));
  BOOST_TEST(info.base_offset == 5);
  BOOST_TEST(info.last_offset == 6);
  BOOST_TEST(info.record_count == 2);
  BOOST_TEST(must(log->read(5, 1 << 20)).bytes == good);
  BOOST_TEST(log->epoch_entries() == (entries{{2, 0}, {6, 5}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(append_replicated_refuses_oversized_batches) {
  mem_filesystem fs;
  log_config cfg;
  cfg.max_message_bytes = 100;
  auto log = must(partition_log::open(fs, dir, cfg, 0));
  auto r = log->append_replicated(stored_batch(0, 1, 10), 0);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code == errc::message_too_large);
}

BOOST_AUTO_TEST_CASE(append_replicated_applies_the_flush_policy) {
  mem_filesystem fs;
  log_config cfg;
  cfg.flush_messages = 3;
  auto log = must(partition_log::open(fs, dir, cfg, 0));
  must(log->append_replicated(stored_batch(0, 1, 2), 0));
  BOOST_TEST(log->flushed_offset() == 0);
  must(log->append_replicated(stored_batch(2, 1, 2), 0));
  BOOST_TEST(log->flushed_offset() == 4);
  fs.crash(crash_mode::lose_unsynced);
  auto again = must(partition_log::open(fs, dir, cfg, 0));
  BOOST_TEST(again->log_end_offset() == 4);
  BOOST_TEST(again->epoch_entries() == (entries{{1, 0}}), boost::test_tools::per_element());
}

// A follower that took writes of a deposed leader (epoch 2) finds where it
// diverged through the new leader's end_offset_for_epoch, truncates, re-fetches.
BOOST_AUTO_TEST_CASE(diverged_follower_truncates_and_reappends) {
  mem_filesystem fs;
  auto leader = must(partition_log::open(fs, "/leader/t-0", small_segments(), 0));
  auto follower = must(partition_log::open(fs, "/follower/t-0", small_segments(), 0));
  append_epoch(*leader, 1, 4); // 0..7
  replicate(*leader, *follower);
  append_epoch(*follower, 2, 5); // 8..17 only on the follower (it led epoch 2)
  append_epoch(*leader, 3, 6);   // 8..19 on the new leader
  auto [epoch, end] = leader->end_offset_for_epoch(follower->last_epoch());
  BOOST_TEST(epoch == 1);
  BOOST_TEST(end == 8);
  must(follower->truncate_to(end));
  BOOST_TEST(follower->last_epoch() == 1);
  BOOST_TEST(follower->log_end_offset() == 8);
  replicate(*leader, *follower);
  BOOST_TEST(all_bytes(*follower) == all_bytes(*leader));
  BOOST_TEST(follower->epoch_entries() == (entries{{1, 0}, {3, 8}}),
             boost::test_tools::per_element());
  // And the truncation survives a power loss.
  fs.crash(crash_mode::lose_unsynced);
  auto again = must(partition_log::open(fs, "/follower/t-0", small_segments(), 0));
  BOOST_TEST(again->epoch_entries() == epochs_of_batches(*again), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(start_moves_and_full_truncation_follow_the_log) {
  mem_filesystem fs;
  auto cfg = small_segments();
  auto log = must(partition_log::open(fs, dir, cfg, 0));
  append_epoch(*log, 1, 5); // 0..9
  append_epoch(*log, 2, 5); // 10..19
  must(log->delete_records_before(4));
  BOOST_TEST(log->epoch_entries() == (entries{{1, 4}, {2, 10}}), boost::test_tools::per_element());
  must(log->delete_records_before(12));
  BOOST_TEST(log->epoch_entries() == (entries{{2, 12}}), boost::test_tools::per_element());
  BOOST_TEST((log->end_offset_for_epoch(1) == epoch_offset{1, 12}));
  must(log->truncate_fully_and_start_at(100));
  BOOST_TEST(log->epoch_entries().empty());
  BOOST_TEST(log->last_epoch() == -1);
  append_epoch(*log, 3, 1);
  BOOST_TEST(log->epoch_entries() == (entries{{3, 100}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(retention_moves_the_first_entry) {
  mem_filesystem fs;
  auto cfg = small_segments();
  cfg.retention_bytes = 1500;
  auto log = must(partition_log::open(fs, dir, cfg, 0));
  append_epoch(*log, 1, 20);
  append_epoch(*log, 2, 20);
  BOOST_TEST(must(log->enforce_retention(0)) > 0u);
  BOOST_TEST(log->log_start_offset() > 0);
  BOOST_TEST(log->epoch_entries() == epochs_of_batches(*log), boost::test_tools::per_element());
  BOOST_TEST(log->epoch_entries().front().start_offset == log->log_start_offset());
}

BOOST_AUTO_TEST_CASE(missing_or_damaged_file_is_rebuilt_from_batches) {
  mem_filesystem fs;
  auto cfg = small_segments();
  {
    auto log = must(partition_log::open(fs, dir, cfg, 0));
    append_epoch(*log, 1, 6);
    append_epoch(*log, 4, 6);
    append_epoch(*log, 9, 2);
    must(log->delete_records_before(3));
    must(log->close());
  }
  auto path = join_path(dir, std::string(leader_epoch_file_name));
  must(fs.remove(path));
  auto log = must(partition_log::open(fs, dir, cfg, 0));
  BOOST_TEST(log->last_recovery().epochs_rebuilt);
  BOOST_TEST(log->epoch_entries() == (entries{{1, 3}, {4, 12}, {9, 24}}),
             boost::test_tools::per_element());
  must(log->close());
  (*fs.contents(path))[0] = 'z';
  auto again = must(partition_log::open(fs, dir, cfg, 0));
  BOOST_TEST(again->last_recovery().epochs_rebuilt);
  BOOST_TEST(again->epoch_entries() == log->epoch_entries(), boost::test_tools::per_element());
}

// Whatever a crash keeps of the segments and of the checkpoint file, the
// recovered cache equals what the surviving batches say.
BOOST_AUTO_TEST_CASE(cache_matches_batches_after_every_crash_mode) {
  int rescans = 0;
  for (auto mode :
       {crash_mode::lose_unsynced, crash_mode::tear_last_write, crash_mode::random_prefix}) {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      mem_filesystem fs;
      auto cfg = small_segments();
      cfg.flush_messages = static_cast<int64_t>(seed % 4) * 3 + 2;
      {
        auto log = must(partition_log::open(fs, dir, cfg, 0));
        for (int32_t epoch = 1; epoch <= 6; ++epoch) {
          append_epoch(*log, epoch, static_cast<int>((seed + epoch) % 3) + 1);
          if (epoch == 3) must(log->truncate_to(log->log_end_offset() - 1));
        }
        auto tail = stored_batch(log->log_end_offset(), 8, 2);
        must(log->append_replicated(tail, 0));
      }
      fs.crash(mode, seed);
      auto log = must(partition_log::open(fs, dir, cfg, 0));
      check_contiguous(*log);
      rescans += log->last_recovery().epochs_rebuilt ? 1 : 0;
      BOOST_TEST(log->epoch_entries() == epochs_of_batches(*log), boost::test_tools::per_element());
      // The log keeps working: a newer epoch is appended after recovery.
      append_epoch(*log, 10, 1);
      BOOST_TEST(log->last_epoch() == 10);
    }
  }
  // Some crashes kept unsynced batches of an epoch the file did not list yet.
  BOOST_TEST(rescans > 0);
}

// ------------------------------------------------------------- the leader-change batch

BOOST_AUTO_TEST_CASE(leader_change_batch_is_a_valid_control_batch) {
  std::vector<int32_t> voters{1, 2, 3};
  std::vector<int32_t> granting{1, 3};
  auto batch = p::build_leader_change_batch(7, 3, voters, 1234, granting);
  BOOST_REQUIRE(p::validate_batch(batch) == p::batch_error::none);
  auto h = p::read_batch_header(batch);
  BOOST_REQUIRE(h.has_value());
  BOOST_TEST(h->is_control());
  BOOST_TEST(!h->is_transactional());
  BOOST_TEST(h->producer_id == -1);
  BOOST_TEST(h->partition_leader_epoch == 7);
  BOOST_TEST(h->records_count == 1);
  BOOST_TEST(h->max_timestamp == 1234);
  std::vector<p::record> records;
  BOOST_REQUIRE(p::decode_records(batch, records) == p::batch_error::none);
  BOOST_REQUIRE(records.size() == 1u);
  BOOST_TEST(!p::parse_end_txn_marker(records[0]).has_value()); // not a commit/abort marker
  BOOST_TEST(*records[0].key == (p::byte_buffer{0, 0, 0, 2}), boost::test_tools::per_element());
  // LeaderChangeMessage v0: version, leader, compact arrays of {id, tags}, tags.
  p::reader v(*records[0].value);
  BOOST_TEST(v.i16() == 0);
  BOOST_TEST(v.i32() == 3);
  for (const auto& list : {voters, granting}) {
    BOOST_TEST(v.uvarint() == list.size() + 1);
    for (int32_t id : list) {
      BOOST_TEST(v.i32() == id);
      BOOST_TEST(v.uvarint() == 0u);
    }
  }
  BOOST_TEST(v.uvarint() == 0u);
  BOOST_TEST(v.at_end());
}

BOOST_AUTO_TEST_CASE(leader_change_batch_appends_like_any_batch) {
  mem_filesystem fs;
  auto log = must(partition_log::open(fs, dir, log_config{}, 0));
  append_epoch(*log, 1, 1);
  auto marker = p::build_leader_change_batch(2, 5, std::vector<int32_t>{5}, 10);
  auto info = must(log->append(marker, 2, 10));
  BOOST_TEST(info.base_offset == 2);
  BOOST_TEST(log->last_epoch() == 2);
  auto all = read_all(*log);
  BOOST_TEST(all.back().is_control());
  BOOST_TEST(all.back().partition_leader_epoch == 2);
}
