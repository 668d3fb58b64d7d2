#define BOOST_TEST_MODULE storage_metastore
#include "storage/metastore.h"
#include "test_util.h"

#include <fmt/format.h>
#include <lmdb.h>

#include <atomic>
#include <thread>

using namespace caudal::storage;
using namespace caudal::storage::test;

namespace {
topic_record make_topic(std::string name, int32_t partitions) {
  topic_record t;
  t.name = std::move(name);
  for (size_t i = 0; i < t.topic_id.size(); ++i) t.topic_id[i] = static_cast<uint8_t>(i * 7 + 1);
  t.partition_count = partitions;
  t.replication_factor = 3;
  t.configs = {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  t.created_ms = 1700000000000;
  return t;
}
} // namespace

BOOST_AUTO_TEST_CASE(topics_put_get_list_delete_and_reopen) {
  temp_dir tmp;
  {
    auto meta = must(metastore::open(tmp.path + "/meta"));
    must(meta->put_topic(make_topic("orders", 6)));
    must(meta->put_topic(make_topic("audit", 1)));
    auto got = must(meta->get_topic("orders"));
    BOOST_REQUIRE(got.has_value());
    BOOST_TEST((*got == make_topic("orders", 6)));
    BOOST_TEST(!must(meta->get_topic("nope")).has_value());
    auto updated = make_topic("orders", 12);
    must(meta->put_topic(updated));
    BOOST_TEST(must(meta->get_topic("orders"))->partition_count == 12);
  }
  auto meta = must(metastore::open(tmp.path + "/meta"));
  auto all = must(meta->list_topics());
  BOOST_REQUIRE(all.size() == 2);
  BOOST_TEST(all[0].name == "audit");
  BOOST_TEST(all[1].partition_count == 12);
  BOOST_TEST(must(meta->delete_topic("audit")));
  BOOST_TEST(!must(meta->delete_topic("audit")));
  BOOST_TEST(must(meta->list_topics()).size() == 1u);
  BOOST_TEST(!meta->put_topic(make_topic("", 1))); // empty key refused
}

BOOST_AUTO_TEST_CASE(kv_node_state) {
  temp_dir tmp;
  auto meta = must(metastore::open(tmp.path));
  must(meta->put_kv("cluster.id", "abc"));
  must(meta->put_kv("node.id", "1"));
  must(meta->put_kv("other", "x"));
  BOOST_TEST(*must(meta->get_kv("cluster.id")) == "abc");
  BOOST_TEST(!must(meta->get_kv("missing")).has_value());
  auto nodes = must(meta->list_kv("no"));
  BOOST_REQUIRE(nodes.size() == 1);
  BOOST_TEST(nodes[0].second == "1");
  BOOST_TEST(must(meta->list_kv()).size() == 3u);
  BOOST_TEST(must(meta->delete_kv("other")));
  BOOST_TEST(!must(meta->get_kv("other")).has_value());
}

BOOST_AUTO_TEST_CASE(group_offsets) {
  temp_dir tmp;
  auto meta = must(metastore::open(tmp.path));
  committed_offset c{42, 3, "meta", 1000, -1};
  must(meta->put_offsets({{{"g1", "t", 1}, c},
                          {{"g1", "t", 0}, c},
                          {{"g1", "s", 9}, c},
                          {{"g2", "t", 0}, c},
                          {{"g", "t", 0}, c}}));
  c.offset = 43;
  must(meta->put_offset({"g1", "t", 1}, c));
  auto got = must(meta->get_offset({"g1", "t", 1}));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->offset == 43);
  BOOST_TEST(got->leader_epoch == 3);
  BOOST_TEST(got->metadata == "meta");
  auto list = must(meta->list_offsets("g1"));
  BOOST_REQUIRE(list.size() == 3);
  BOOST_TEST((list[0].first == group_offset_key{"g1", "s", 9}));
  BOOST_TEST((list[1].first == group_offset_key{"g1", "t", 0}));
  BOOST_TEST((list[2].first == group_offset_key{"g1", "t", 1}));
  BOOST_TEST(must(meta->list_offsets("g")).size() == 1u); // "g" is not a prefix match of "g1"
  BOOST_TEST((must(meta->list_offset_groups()) == std::vector<std::string>{"g", "g1", "g2"}));
  BOOST_TEST(must(meta->delete_offset({"g1", "s", 9})));
  BOOST_TEST(must(meta->delete_group_offsets("g1")) == 2u);
  BOOST_TEST(must(meta->list_offsets("g1")).empty());
  BOOST_TEST(must(meta->list_offsets("g2")).size() == 1u);
}

BOOST_AUTO_TEST_CASE(map_grows_when_full) {
  temp_dir tmp;
  metastore_options opts;
  opts.initial_map_size = 1 << 20;
  auto meta = must(metastore::open(tmp.path, opts));
  size_t before = meta->map_size();
  std::string big(200000, 'x');
  for (int i = 0; i < 12; ++i) must(meta->put_kv("blob" + std::to_string(i), big));
  BOOST_TEST(meta->map_size() > before);
  BOOST_TEST(must(meta->get_kv("blob0"))->size() == big.size());
  BOOST_TEST(must(meta->list_kv("blob")).size() == 12u);
}

BOOST_AUTO_TEST_CASE(garbage_values_are_errors_not_crashes) {
  temp_dir tmp;
  {
    auto meta = must(metastore::open(tmp.path));
    must(meta->put_topic(make_topic("good", 1)));
    auto too_long = meta->put_kv(std::string(600, 'k'), "v");
    BOOST_REQUIRE(!too_long);
    BOOST_TEST(too_long.error().code == errc::invalid_argument);
  }
  // Damage values behind the metastore's back with raw LMDB.
  MDB_env* env = nullptr;
  BOOST_REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  BOOST_REQUIRE(mdb_env_open(env, tmp.path.c_str(), MDB_NOTLS, 0644) == 0);
  MDB_txn* txn = nullptr;
  BOOST_REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi = 0;
  BOOST_REQUIRE(mdb_dbi_open(txn, "topics", 0, &dbi) == 0);
  auto put_raw = [&](std::string key, std::string value) {
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    BOOST_REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  };
  put_raw("bad-version", std::string("\x07") + "abc");
  put_raw("bad-body", std::string("\x01\x01\xff\xff\xff\xff\xff\xff\xff\x7f", 10));
  put_raw("empty", "");
  BOOST_REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
  auto meta = must(metastore::open(tmp.path));
  for (auto name : {"bad-version", "bad-body", "empty"}) {
    auto r = meta->get_topic(name);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == errc::corrupt);
  }
  BOOST_TEST(must(meta->get_topic("good")).has_value());
  BOOST_TEST(!meta->list_topics());
}

BOOST_AUTO_TEST_CASE(concurrent_writers_and_readers) {
  temp_dir tmp;
  metastore_options opts;
  opts.initial_map_size = 1 << 20;
  auto meta = must(metastore::open(tmp.path, opts));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0}; // Boost.Test assertions are not thread-safe
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::string value(20000, static_cast<char>('a' + t));
      for (int i = 0; i < 40; ++i) {
        if (!meta->put_kv(fmt::format("t{}-{}", t, i), value)) ++failures;
        auto got = meta->get_kv(fmt::format("t{}-{}", t, i));
        if (!got || !*got || **got != value) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(must(meta->list_kv("t")).size() == 160u);
}
