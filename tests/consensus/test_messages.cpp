// The consensus messages cross nodes as CAF messages: their inspect()
// overloads must round-trip through CAF's binary serializer (BASP's codec)
// and reject truncated input.
#define BOOST_TEST_MODULE consensus_messages
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include "consensus/messages.h"

using namespace caudal::consensus;

namespace {

template <class T>
T round_trip(T in, std::vector<char>& buf) {
  buf.clear();
  caf::binary_serializer sink{nullptr, buf};
  BOOST_REQUIRE(!sink(in));
  T out;
  caf::binary_deserializer source{nullptr, buf};
  BOOST_REQUIRE(!source(out));
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_message_round_trips) {
  std::vector<char> buf;
  auto v = round_trip(vote_request{"g/1", 7, 2, 6, 1234}, buf);
  BOOST_TEST((v.group == "g/1" && v.epoch == 7 && v.candidate == 2 && v.last_epoch == 6 &&
              v.end_offset == 1234));
  auto vr = round_trip(vote_response{"g/1", 7, 3, true}, buf);
  BOOST_TEST((vr.epoch == 7 && vr.voter == 3 && vr.granted));
  auto b = round_trip(begin_epoch{"g/1", 8, 1}, buf);
  BOOST_TEST((b.epoch == 8 && b.leader == 1));
  auto f = round_trip(fetch_request{"g/1", 8, 4, 99, 7, 4096, 42}, buf);
  BOOST_TEST((f.replica == 4 && f.fetch_offset == 99 && f.last_fetched_epoch == 7 &&
              f.max_bytes == 4096 && f.id == 42));
  fetch_response r{"g/1", 8, 1, 0, 50, 3, epoch_end{6, 40}, {1, 2, 3}, 42};
  auto r2 = round_trip(r, buf);
  BOOST_TEST((r2.leader == 1 && r2.high_watermark == 50 && r2.log_start_offset == 3 &&
              r2.diverging.epoch == 6 && r2.diverging.end_offset == 40 && r2.id == 42));
  BOOST_TEST((r2.records == std::vector<uint8_t>{1, 2, 3}));
  BOOST_TEST(group_of(message{r2}) == "g/1");
}

BOOST_AUTO_TEST_CASE(truncated_input_is_an_error) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  fetch_response r{"g/1", 8, 1, 0, 50, 3, epoch_end{6, 40}, {1, 2, 3}, 42};
  BOOST_REQUIRE(!sink(r));
  buf.resize(buf.size() - 3);
  caf::binary_deserializer source{nullptr, buf};
  fetch_response out;
  BOOST_TEST(static_cast<bool>(source(out)));
}

BOOST_AUTO_TEST_CASE(messages_print_with_their_type_names) {
  auto s = caf::deep_to_string(vote_request{"g/1", 7, 2, 6, 1234});
  BOOST_TEST(s.find("caudal.vote_request") != std::string::npos);
  auto m = caf::make_message(begin_epoch{"g/1", 8, 1});
  BOOST_TEST(m.match_element<begin_epoch>(0));
}
