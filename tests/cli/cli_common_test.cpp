#include <boost/test/unit_test.hpp>

#include <sstream>

#include "cmd/cli_common.h"

using namespace caudal::cmd;

BOOST_AUTO_TEST_CASE(key_value_split_at_first_equals) {
  auto kv = split_key_value("cleanup.policy=compact=yes");
  BOOST_TEST(kv->first == "cleanup.policy");
  BOOST_TEST(kv->second == "compact=yes");
  BOOST_TEST(split_key_value("k=")->second.empty());
  BOOST_TEST(!split_key_value("novalue").has_value());
  BOOST_TEST(!split_key_value("=v").has_value());
}

BOOST_AUTO_TEST_CASE(key_value_list_reports_bad_entry) {
  std::string bad;
  auto ok = parse_key_values({"a=1", "b=2"}, bad);
  BOOST_TEST(ok->size() == 2u);
  BOOST_TEST(!parse_key_values({"a=1", "oops"}, bad).has_value());
  BOOST_TEST(bad == "oops");
}

BOOST_AUTO_TEST_CASE(table_columns_align) {
  std::ostringstream out;
  print_table(out, {{"NAME", "P"}, {"a-long-name", "3"}});
  BOOST_TEST(out.str() == "NAME         P\na-long-name  3\n");
  BOOST_TEST(join_ints({1, 2, 3}) == "1,2,3");
  BOOST_TEST(join_ints({}) == "");
}
