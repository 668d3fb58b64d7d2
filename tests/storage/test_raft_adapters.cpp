#define BOOST_TEST_MODULE storage_raft_adapters
// The adapters that let the consensus core drive storage:
// actors::partition_raft_log (replicated_log on a partition_log) and
// actors::metastore_quorum_store (quorum_store on the LMDB metastore).
#include "actors/metastore_quorum_store.h"
#include "actors/partition_raft_log.h"
#include "storage/mem_filesystem.h"
#include "test_util.h"

using namespace caudal;
using namespace caudal::storage::test;
using storage::mem_filesystem;
using storage::partition_log;

namespace {

struct raft_log_fixture {
  mem_filesystem fs;
  int64_t now = 1000;
  std::unique_ptr<partition_log> leader_log = open("/leader/t-0");
  std::unique_ptr<partition_log> follower_log = open("/follower/t-0");
  actors::partition_raft_log leader{*leader_log, [this] { return now; }, {1, 2, 3}};
  actors::partition_raft_log follower{*follower_log, [this] { return now; }, {1, 2, 3}};

  std::unique_ptr<partition_log> open(const std::string& dir) {
    storage::log_config cfg;
    cfg.segment_bytes = 1000;
    return must(partition_log::open(fs, dir, cfg, 0));
  }

  /// Appends `count` 2-record batches through the adapter as leader of `epoch`.
  void lead(int32_t epoch, int count) {
    for (int i = 0; i < count; ++i) {
      auto b = make_batch(2, now + i);
      int64_t base = -1;
      int64_t last = -1;
      BOOST_REQUIRE_MESSAGE(leader.append_as_leader(b, epoch, base, last), leader.last_error());
      BOOST_TEST(base == leader.end_offset() - 2);
      BOOST_TEST(last == leader.end_offset() - 1);
    }
  }

  /// What a follower replica does with fetch responses.
  void pull() {
    while (follower.end_offset() < leader.end_offset()) {
      std::vector<uint8_t> bytes;
      BOOST_REQUIRE(leader.read(follower.end_offset(), 300, bytes));
      BOOST_REQUIRE_MESSAGE(follower.append_replicated(bytes), follower.last_error());
    }
  }

  std::vector<uint8_t> everything(consensus::replicated_log& log) {
    std::vector<uint8_t> bytes;
    BOOST_REQUIRE(log.read(log.start_offset(), 1 << 20, bytes));
    return bytes;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(leader_marker_is_the_epochs_first_batch, raft_log_fixture) {
  BOOST_TEST(leader.last_epoch() == -1);
  BOOST_REQUIRE(leader.append_leader_marker(4, 2));
  BOOST_TEST(leader.end_offset() == 1);
  BOOST_TEST(leader.last_epoch() == 4);
  std::vector<uint8_t> bytes;
  BOOST_REQUIRE(leader.read(0, 1 << 20, bytes));
  auto h = protocol::read_batch_header(bytes);
  BOOST_REQUIRE(h.has_value());
  BOOST_TEST(h->is_control());
  BOOST_TEST(h->partition_leader_epoch == 4);
  BOOST_TEST(h->max_timestamp == now); // from the injected clock
  std::vector<protocol::record> records;
  BOOST_REQUIRE(protocol::decode_records(bytes, records) == protocol::batch_error::none);
  protocol::reader v(*records.at(0).value);
  BOOST_TEST(v.i16() == 0);
  BOOST_TEST(v.i32() == 2);      // leader id
  BOOST_TEST(v.uvarint() == 4u); // three voters
}

BOOST_FIXTURE_TEST_CASE(follower_replicates_and_answers_epoch_queries, raft_log_fixture) {
  BOOST_REQUIRE(leader.append_leader_marker(1, 1));
  lead(1, 5);
  now += 50;
  BOOST_REQUIRE(leader.append_leader_marker(3, 1));
  lead(3, 4);
  pull();
  BOOST_TEST(everything(follower) == everything(leader));
  BOOST_TEST(follower.last_epoch() == 3);
  for (int32_t e : {-1, 0, 1, 2, 3, 4}) {
    auto a = leader.end_of_epoch(e);
    auto b = follower.end_of_epoch(e);
    BOOST_TEST(a.epoch == b.epoch);
    BOOST_TEST(a.end_offset == b.end_offset);
  }
  BOOST_TEST(leader.end_of_epoch(1).end_offset == 11); // the epoch-3 marker is at 11
  BOOST_TEST(leader.end_of_epoch(2).epoch == 1);
  BOOST_TEST(leader.end_of_epoch(3).end_offset == leader.end_offset());
  // Above the latest: the latest is the floor (consensus/log.h), not Kafka's unknown.
  BOOST_TEST(leader.end_of_epoch(9).epoch == 3);
  BOOST_TEST(leader.end_of_epoch(9).end_offset == leader.end_offset());
}

BOOST_FIXTURE_TEST_CASE(epoch_below_the_retained_log_is_unknown, raft_log_fixture) {
  lead(2, 3);
  lead(4, 3);                                     // 6..11
  BOOST_TEST(leader.end_of_epoch(1).epoch == -1); // nothing <= 1 ever
  BOOST_TEST(leader.end_of_epoch(1).end_offset == -1);
  must(leader_log->delete_records_before(8));
  BOOST_TEST(leader.end_of_epoch(3).epoch == -1); // epoch 2's data is gone
  BOOST_TEST(leader.end_of_epoch(4).epoch == 4);
  BOOST_TEST(leader.end_of_epoch(4).end_offset == 12);
  // The storage layer itself keeps Kafka's answer.
  BOOST_TEST(leader_log->end_offset_for_epoch(3).first == 3);
  BOOST_TEST(leader_log->end_offset_for_epoch(3).second == 8);
}

BOOST_FIXTURE_TEST_CASE(read_returns_whole_batches_even_past_max_bytes, raft_log_fixture) {
  lead(1, 3);
  std::vector<uint8_t> bytes;
  BOOST_REQUIRE(leader.read(2, 1, bytes)); // inside the second batch, tiny limit
  auto h = protocol::read_batch_header(bytes);
  BOOST_REQUIRE(h.has_value());
  BOOST_TEST(h->base_offset == 2);
  BOOST_TEST(bytes.size() == h->total_size());
  BOOST_TEST(leader.read(6, 100, bytes)); // at the end: nothing
  BOOST_TEST(bytes.empty());
  BOOST_TEST(!leader.read(7, 100, bytes)); // past the end
  BOOST_TEST(!leader.last_error().empty());
}

BOOST_FIXTURE_TEST_CASE(refusals_report_the_storage_error, raft_log_fixture) {
  lead(2, 2);
  std::vector<uint8_t> bytes;
  BOOST_REQUIRE(leader.read(2, 1 << 20, bytes));
  BOOST_TEST(!follower.append_replicated(bytes)); // offset 2 on an empty log: gap
  BOOST_TEST(follower.last_error().find("expected 0") != std::string::npos);
  BOOST_TEST(follower.end_offset() == 0);
  auto stale = make_batch(1, 0);
  int64_t base = 0;
  int64_t last = 0;
  std::vector<uint8_t> garbage{1, 2, 3};
  BOOST_TEST(!leader.append_as_leader(garbage, 2, base, last));
  BOOST_TEST(!leader.last_error().empty());
  BOOST_TEST(leader.append_as_leader(stale, 2, base, last));
}

BOOST_FIXTURE_TEST_CASE(truncate_reset_and_flush, raft_log_fixture) {
  lead(1, 3);
  lead(2, 3); // 6..11
  BOOST_TEST(leader.flushed_offset() == 0);
  BOOST_REQUIRE(leader.flush());
  BOOST_TEST(leader.flushed_offset() == 12);
  BOOST_REQUIRE(leader.truncate_to(6));
  BOOST_TEST(leader.end_offset() == 6);
  BOOST_TEST(leader.last_epoch() == 1);
  BOOST_REQUIRE(leader.reset_to(40));
  BOOST_TEST(leader.start_offset() == 40);
  BOOST_TEST(leader.end_offset() == 40);
  BOOST_TEST(leader.last_epoch() == -1);
  BOOST_TEST(leader.end_of_epoch(1).epoch == -1);
  lead(5, 1);
  BOOST_TEST(leader.end_of_epoch(5).end_offset == 42);
}

// ------------------------------------------------------------- quorum store

namespace {
struct store_fixture {
  temp_dir tmp;
  std::unique_ptr<storage::metastore> meta = must(storage::metastore::open(tmp.path));
};
} // namespace

BOOST_FIXTURE_TEST_CASE(quorum_state_round_trips_per_group, store_fixture) {
  actors::metastore_quorum_store a(*meta, "orders/3");
  actors::metastore_quorum_store b(*meta, "__cluster_metadata/0");
  BOOST_TEST(a.key() == "quorum/orders/3");
  auto fresh = a.load();
  BOOST_TEST(fresh.epoch == 0);
  BOOST_TEST(fresh.voted_for == consensus::no_node);
  BOOST_TEST(a.last_error().empty());
  BOOST_REQUIRE(a.save({5, 2}));
  BOOST_REQUIRE(b.save({9, consensus::no_node}));
  BOOST_TEST(*must(meta->get_kv("quorum/orders/3")) == "5 2");
  actors::metastore_quorum_store again(*meta, "orders/3");
  auto st = again.load();
  BOOST_TEST(st.epoch == 5);
  BOOST_TEST(st.voted_for == 2);
  BOOST_TEST(b.load().epoch == 9);
  BOOST_TEST(b.load().voted_for == consensus::no_node);
}

BOOST_FIXTURE_TEST_CASE(quorum_state_survives_reopening_the_store, store_fixture) {
  {
    actors::metastore_quorum_store a(*meta, "g");
    BOOST_REQUIRE(a.save({3, 1}));
  }
  meta.reset();
  meta = must(storage::metastore::open(tmp.path));
  actors::metastore_quorum_store a(*meta, "g");
  BOOST_TEST(a.load().epoch == 3);
  BOOST_TEST(a.load().voted_for == 1);
}

BOOST_FIXTURE_TEST_CASE(unreadable_quorum_state_is_reported, store_fixture) {
  must(meta->put_kv("quorum/g", "seven"));
  actors::metastore_quorum_store a(*meta, "g");
  auto st = a.load();
  BOOST_TEST(st.epoch == 0);
  BOOST_TEST(!a.last_error().empty());
  using store = actors::metastore_quorum_store;
  for (std::string_view bad : {"", "1", "1 ", "1 2 ", "-1 2", "1 -2", "x 1", "1 2x"})
    BOOST_TEST(!store::decode(bad).has_value(), bad);
  auto ok = store::decode(store::encode({12, -1}));
  BOOST_REQUIRE(ok.has_value());
  BOOST_TEST(ok->epoch == 12);
  BOOST_TEST(ok->voted_for == -1);
}
