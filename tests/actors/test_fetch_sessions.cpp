#define BOOST_TEST_MODULE actors_fetch_sessions
#include <boost/test/unit_test.hpp>

#include "actors/error_codes.h"
#include "actors/fetch_sessions.h"

using namespace caudal::actors;

namespace {
fetch_item item(const std::string& t, int32_t p, int64_t off) { return {t, {}, p, off, 1024}; }
} // namespace

BOOST_AUTO_TEST_CASE(sessionless_fetch_creates_nothing) {
  fetch_session_cache cache;
  std::vector<fetch_item> items;
  fetch_session* s = nullptr;
  BOOST_CHECK_EQUAL(cache.begin(0, -1, {item("a", 0, 5)}, {}, items, s), 0);
  BOOST_CHECK(s == nullptr);
  BOOST_CHECK_EQUAL(items.size(), 1u);
  BOOST_CHECK_EQUAL(cache.size(), 0u);
}

BOOST_AUTO_TEST_CASE(incremental_requests_update_and_forget_partitions) {
  fetch_session_cache cache;
  std::vector<fetch_item> items;
  fetch_session* s = nullptr;
  BOOST_REQUIRE_EQUAL(cache.begin(0, 0, {item("a", 0, 0), item("a", 1, 0)}, {}, items, s), 0);
  BOOST_REQUIRE(s);
  auto id = s->id;
  BOOST_CHECK(id != 0);
  // Epoch 1: move a-0 to offset 7, forget a-1, add b-0.
  BOOST_REQUIRE_EQUAL(cache.begin(id, 1, {item("a", 0, 7), item("b", 0, 3)}, {{"a", 1}}, items, s),
                      0);
  BOOST_REQUIRE_EQUAL(items.size(), 2u);
  BOOST_CHECK_EQUAL(items[0].topic, "a");
  BOOST_CHECK_EQUAL(items[0].fetch_offset, 7);
  BOOST_CHECK_EQUAL(items[1].topic, "b");
  // Epoch 2 with no partitions: the session remembers both.
  BOOST_REQUIRE_EQUAL(cache.begin(id, 2, {}, {}, items, s), 0);
  BOOST_CHECK_EQUAL(items.size(), 2u);
  // Wrong epoch and unknown id.
  BOOST_CHECK_EQUAL(cache.begin(id, 2, {}, {}, items, s), error_code::invalid_fetch_session_epoch);
  BOOST_CHECK_EQUAL(cache.begin(id + 100, 1, {}, {}, items, s),
                    error_code::fetch_session_id_not_found);
  // Closing with the final epoch removes it.
  BOOST_CHECK_EQUAL(cache.begin(id, -1, {}, {}, items, s), 0);
  BOOST_CHECK_EQUAL(cache.begin(id, 3, {}, {}, items, s), error_code::fetch_session_id_not_found);
}

BOOST_AUTO_TEST_CASE(should_send_only_on_change) {
  fetch_session_cache cache;
  std::vector<fetch_item> items;
  fetch_session* s = nullptr;
  cache.begin(0, 0, {item("a", 0, 0)}, {}, items, s);
  auto it = item("a", 0, 0);
  BOOST_CHECK(fetch_session_cache::should_send(*s, it, 10, 0, false, 0));  // first: hw unknown
  BOOST_CHECK(!fetch_session_cache::should_send(*s, it, 10, 0, false, 0)); // nothing new
  BOOST_CHECK(fetch_session_cache::should_send(*s, it, 11, 0, false, 0));  // hw moved
  BOOST_CHECK(fetch_session_cache::should_send(*s, it, 11, 0, true, 0));   // records
  BOOST_CHECK(fetch_session_cache::should_send(*s, it, 11, 0, false, 1));  // error
  BOOST_CHECK(fetch_session_cache::should_send(*s, it, 11, 5, false, 0));  // log start moved
}

BOOST_AUTO_TEST_CASE(cache_is_bounded) {
  fetch_session_cache cache;
  std::vector<fetch_item> items;
  fetch_session* s = nullptr;
  for (int i = 0; i < 20; ++i) cache.begin(0, 0, {item("a", 0, 0)}, {}, items, s);
  BOOST_CHECK_EQUAL(cache.size(), fetch_session_cache::max_sessions);
}
