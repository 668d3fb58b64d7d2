// The consumer embedded protocol a group leader speaks (Kafka's
// ConsumerProtocolSubscription / ConsumerProtocolAssignment, version 0) and
// the range assignor. The broker never parses these bytes; the members do.
#include <algorithm>

#include "sim/group_consumer.h"

namespace caudal::sim {

namespace {

void put_string(protocol::writer& w, const std::string& s) {
  w.i16(static_cast<int16_t>(s.size()));
  w.raw(s);
}

} // namespace

std::map<std::string, std::vector<int32_t>> range_assign(std::vector<std::string> members,
                                                         int32_t partitions) {
  std::sort(members.begin(), members.end());
  std::map<std::string, std::vector<int32_t>> out;
  if (members.empty()) return out;
  auto n = static_cast<int32_t>(members.size());
  int32_t next = 0;
  for (int32_t i = 0; i < n; ++i) {
    int32_t count = partitions / n + (i < partitions % n ? 1 : 0);
    auto& mine = out[members[static_cast<size_t>(i)]];
    for (int32_t k = 0; k < count; ++k) mine.push_back(next++);
  }
  return out;
}

protocol::byte_buffer encode_subscription(const std::string& topic) {
  protocol::byte_buffer b;
  protocol::writer w{b};
  w.i16(0); // version
  w.i32(1); // topics
  put_string(w, topic);
  w.i32(-1); // user data: null
  return b;
}

protocol::byte_buffer encode_assignment(const std::string& topic,
                                        const std::vector<int32_t>& partitions) {
  protocol::byte_buffer b;
  protocol::writer w{b};
  w.i16(0); // version
  w.i32(1); // topics
  put_string(w, topic);
  w.i32(static_cast<int32_t>(partitions.size()));
  for (auto p : partitions) w.i32(p);
  w.i32(-1); // user data: null
  return b;
}

std::string decode_assignment(const protocol::byte_buffer& bytes, std::vector<int32_t>& out) {
  out.clear();
  if (bytes.empty()) return ""; // no assignment: an empty member
  protocol::reader r{bytes};
  r.i16(); // version
  auto topics = r.i32();
  for (int32_t t = 0; r.ok() && t < topics; ++t) {
    r.skip(static_cast<size_t>(std::max<int16_t>(r.i16(), 0)));
    auto count = r.i32();
    for (int32_t i = 0; r.ok() && i < count; ++i) out.push_back(r.i32());
  }
  return r.ok() ? "" : "malformed assignment";
}

} // namespace caudal::sim
