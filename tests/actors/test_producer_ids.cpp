// InitProducerId and idempotent produce through a session (node_fixture), and
// the producer-id block allocator over a real metastore.
#define BOOST_TEST_MODULE actors_producer_ids
#include "node_fixture.h"

#include "actors/producer_ids.h"
#include "protocol/record_builder.h"

using namespace caudal;
using namespace caudal::testing;

namespace {

msg::init_producer_id_response init_pid(node_fixture& f, node_fixture::client& c, int16_t version,
                                        int64_t pid = -1, int16_t epoch = -1,
                                        std::optional<std::string> txn = std::nullopt) {
  msg::init_producer_id_request req;
  req.transactional_id = std::move(txn);
  req.transaction_timeout_ms = 60000;
  req.producer_id = pid;
  req.producer_epoch = epoch;
  return f.call<msg::init_producer_id_response>(c, req, version);
}

protocol::byte_buffer batch(int64_t pid, int16_t epoch, int32_t seq, int records) {
  protocol::batch_builder b;
  b.producer(pid, epoch, seq);
  for (int i = 0; i < records; ++i) b.add_text(1000, "k", "v" + std::to_string(seq + i));
  return b.build();
}

/// (error, base offset) of a single-partition produce to "t"-0.
std::pair<int16_t, int64_t> produce(node_fixture& f, node_fixture::client& c,
                                    protocol::byte_buffer records) {
  msg::produce_request req;
  req.acks = -1;
  req.timeout_ms = 1000;
  auto& td = req.topic_data.emplace_back();
  td.name = "t";
  auto& pd = td.partition_data.emplace_back();
  pd.index = 0;
  pd.records = std::move(records);
  auto r = f.call<msg::produce_response>(c, req, 9);
  auto& p = r.responses.at(0).partition_responses.at(0);
  return {p.error_code, p.base_offset};
}

void create_topic(node_fixture& f, node_fixture::client& c) {
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = "t";
  t.num_partitions = 1;
  t.replication_factor = 1;
  req.timeout_ms = 1000;
  auto r = f.call<msg::create_topics_response>(c, req, 7);
  BOOST_REQUIRE_EQUAL(r.topics.at(0).error_code, 0);
}

using result_pair = std::pair<int16_t, int64_t>;

} // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(result_pair)

BOOST_AUTO_TEST_CASE(init_producer_id_allocates_and_bumps) {
  node_fixture f;
  auto c = f.connect();
  auto a = init_pid(f, c, 0);
  BOOST_CHECK_EQUAL(a.error_code, 0);
  BOOST_CHECK_GE(a.producer_id, 0);
  BOOST_CHECK_EQUAL(a.producer_epoch, 0);
  auto b = init_pid(f, c, 4);
  BOOST_CHECK_EQUAL(b.error_code, 0);
  BOOST_CHECK_NE(b.producer_id, a.producer_id);
  auto bumped = init_pid(f, c, 3, a.producer_id, 0);
  BOOST_CHECK_EQUAL(bumped.producer_id, a.producer_id);
  BOOST_CHECK_EQUAL(bumped.producer_epoch, 1);
  auto txn = init_pid(f, c, 2, -1, -1, std::string("tx"));
  BOOST_CHECK_EQUAL(txn.error_code, 53);
  BOOST_CHECK_EQUAL(txn.producer_id, -1);
}

BOOST_AUTO_TEST_CASE(idempotent_produce_detects_duplicates_gaps_and_fencing) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c);
  auto pid = init_pid(f, c, 4).producer_id;
  BOOST_CHECK((produce(f, c, batch(pid, 0, 0, 3)) == result_pair{0, 0}));
  BOOST_CHECK((produce(f, c, batch(pid, 0, 3, 2)) == result_pair{0, 3}));
  BOOST_CHECK((produce(f, c, batch(pid, 0, 0, 3)) == result_pair{0, 0})); // retry
  BOOST_CHECK((produce(f, c, batch(pid, 0, 3, 2)) == result_pair{0, 3}));
  BOOST_CHECK_EQUAL(produce(f, c, batch(pid, 0, 7, 1)).first, 45);
  BOOST_CHECK_EQUAL(produce(f, c, batch(pid + 1, 0, 3, 1)).first, 59);
  BOOST_CHECK((produce(f, c, batch(pid, 1, 0, 1)) == result_pair{0, 5})); // new epoch
  BOOST_CHECK_EQUAL(produce(f, c, batch(pid, 0, 5, 1)).first, 47);
  protocol::batch_builder empty_control;
  empty_control.control(true);
  empty_control.add_text(1000, "k", "v");
  BOOST_CHECK_EQUAL(produce(f, c, empty_control.build()).first, 87);
  BOOST_CHECK((produce(f, c, batch(pid, 1, 1, 1)) == result_pair{0, 6}));
}

BOOST_AUTO_TEST_CASE(allocator_never_reuses_ids_after_reopen) {
  auto base = std::filesystem::temp_directory_path() / "caudal-pid-XXXXXX";
  std::string dir = base.string();
  BOOST_REQUIRE(mkdtemp(dir.data()) != nullptr);
  std::vector<int64_t> ids;
  for (int round = 0; round < 3; ++round) {
    auto meta = storage::metastore::open(dir);
    BOOST_REQUIRE(meta);
    actors::producer_id_allocator alloc{**meta};
    for (int i = 0; i < 3; ++i) {
      auto id = alloc.next();
      BOOST_REQUIRE(id);
      ids.push_back(*id);
    }
  }
  std::vector<int64_t> expected{0, 1, 2, 1000, 1001, 1002, 2000, 2001, 2002};
  BOOST_CHECK(ids == expected);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
