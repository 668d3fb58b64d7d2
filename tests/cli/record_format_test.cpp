#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "cmd/record_format.h"

using namespace caudal::cmd;
using namespace std::string_view_literals;

namespace {

record_view sample() {
  record_view rec;
  rec.topic = "orders";
  rec.partition = 2;
  rec.offset = 41;
  rec.timestamp = 1700000000123;
  rec.key = "k1"sv;
  rec.value = "hello world"sv;
  rec.headers = {{"h1"sv, "v1"sv}, {"h2"sv, std::nullopt}};
  return rec;
}

} // namespace

BOOST_AUTO_TEST_CASE(split_record_at_first_separator) {
  auto r = split_record("a:b:c", ":");
  BOOST_TEST(r.key.value() == "a");
  BOOST_TEST(r.value == "b:c");
  auto multi = split_record("key<>val", "<>");
  BOOST_TEST(multi.key.value() == "key");
  BOOST_TEST(multi.value == "val");
}

BOOST_AUTO_TEST_CASE(split_record_without_separator_has_no_key) {
  BOOST_TEST(!split_record("abc", ":").key.has_value());
  BOOST_TEST(split_record("abc", ":").value == "abc");
  BOOST_TEST(!split_record("a:b", "").key.has_value());
  auto empty_key = split_record(":v", ":");
  BOOST_TEST(empty_key.key.value().empty());
  BOOST_TEST(empty_key.value == "v");
}

BOOST_AUTO_TEST_CASE(offset_specs) {
  using k = offset_spec::kind;
  BOOST_TEST((parse_offset_spec("beginning")->where == k::beginning));
  BOOST_TEST((parse_offset_spec("end")->where == k::end));
  auto abs = parse_offset_spec("17");
  BOOST_TEST((abs->where == k::absolute));
  BOOST_TEST(abs->value == 17);
  auto back = parse_offset_spec("-5");
  BOOST_TEST((back->where == k::from_end));
  BOOST_TEST(back->value == 5);
  BOOST_TEST(!parse_offset_spec("").has_value());
  BOOST_TEST(!parse_offset_spec("12x").has_value());
  BOOST_TEST(!parse_offset_spec("soon").has_value());
}

BOOST_AUTO_TEST_CASE(format_directives_and_escapes) {
  auto rec = sample();
  BOOST_TEST(format_record("%k %v", rec) == "k1 hello world\n");
  BOOST_TEST(format_record("%t/%p@%o ts=%T", rec) == "orders/2@41 ts=1700000000123\n");
  BOOST_TEST(format_record("%K %S [%h] 100%%", rec) == "2 11 [h1=v1,h2=] 100%\n");
  BOOST_TEST(format_record("%k\\t%v\\n", rec) == "k1\thello world\n\n");
  BOOST_TEST(format_record("%q%", rec) == "%q%\n");
}

BOOST_AUTO_TEST_CASE(format_null_key_and_value) {
  auto rec = sample();
  rec.key.reset();
  rec.value.reset();
  BOOST_TEST(format_record("[%k][%v] %K %S", rec) == "[][] -1 -1\n");
}

BOOST_AUTO_TEST_CASE(json_of_text_record) {
  auto j = nlohmann::json::parse(format_json(sample()));
  BOOST_TEST(j["topic"] == "orders");
  BOOST_TEST(j["partition"] == 2);
  BOOST_TEST(j["offset"] == 41);
  BOOST_TEST(j["timestamp"] == 1700000000123);
  BOOST_TEST(j["key"] == "k1");
  BOOST_TEST(j["value"] == "hello world");
  BOOST_TEST(!j.contains("value_encoding"));
  BOOST_TEST(j["headers"].size() == 2u);
  BOOST_TEST(j["headers"][0]["key"] == "h1");
  BOOST_TEST(j["headers"][0]["value"] == "v1");
  BOOST_TEST(j["headers"][1]["value"].is_null());
}

BOOST_AUTO_TEST_CASE(json_of_binary_record_is_base64) {
  auto rec = sample();
  const std::string binary{"\x00\xff\x01", 3};
  rec.value = binary;
  rec.key.reset();
  auto j = nlohmann::json::parse(format_json(rec));
  BOOST_TEST(j["key"].is_null());
  BOOST_TEST(j["value"] == "AP8B");
  BOOST_TEST(j["value_encoding"] == "base64");
}

BOOST_AUTO_TEST_CASE(utf8_validation) {
  BOOST_TEST(is_valid_utf8("plain ascii"));
  BOOST_TEST(is_valid_utf8("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"));
  BOOST_TEST(!is_valid_utf8("\xc3"));             // truncated
  BOOST_TEST(!is_valid_utf8("\xc0\xaf"));         // overlong '/'
  BOOST_TEST(!is_valid_utf8("\xed\xa0\x80"));     // surrogate
  BOOST_TEST(!is_valid_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
  BOOST_TEST(!is_valid_utf8("\x80"));             // lone continuation
}

BOOST_AUTO_TEST_CASE(base64_padding) {
  BOOST_TEST(base64_encode("") == "");
  BOOST_TEST(base64_encode("f") == "Zg==");
  BOOST_TEST(base64_encode("fo") == "Zm8=");
  BOOST_TEST(base64_encode("foo") == "Zm9v");
  BOOST_TEST(base64_encode("foobar") == "Zm9vYmFy");
}
