#include <array>
#include <type_traits>

#include "protocol/headers.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/txn_offset_commit_request.h"
#include "tests/fuzz/fuzz_entry.h"

namespace caudal::fuzz {
namespace {

using namespace caudal::protocol;

// The record sets inside a produce request go through the batch checks too.
void check_records(const msg::produce_request& p) {
  for (const auto& topic : p.topic_data)
    for (const auto& part : topic.partition_data)
      if (part.records) batch_one_input(*part.records);
}

// Decodes a body at a version the API has; if it decodes, encoding it again
// must give bytes that decode, completely, to the same message.
template <class M>
int check_request(std::span<const uint8_t> body, int16_t version) {
  if (version < M::min_version || version > M::max_version) return 0;
  M m;
  reader r(body);
  m.decode(r, version);
  if (!r.ok()) return 0;
  byte_buffer encoded;
  writer w(encoded);
  m.encode(w, version);
  M again;
  reader r2(encoded);
  again.decode(r2, version);
  require(r2.at_end(), "a re-encoded request decodes completely");
  require(again == m, "a decoded request round trips");
  if constexpr (std::is_same_v<M, msg::produce_request>) check_records(m);
  return 1;
}

struct api_check {
  int16_t key;
  int (*check)(std::span<const uint8_t>, int16_t);
};

template <class M>
constexpr api_check entry() {
  return {M::api_key, &check_request<M>};
}

constexpr std::array checks = {
    entry<msg::produce_request>(),          entry<msg::fetch_request>(),
    entry<msg::list_offsets_request>(),     entry<msg::metadata_request>(),
    entry<msg::offset_commit_request>(),    entry<msg::offset_fetch_request>(),
    entry<msg::find_coordinator_request>(), entry<msg::join_group_request>(),
    entry<msg::sync_group_request>(),       entry<msg::api_versions_request>(),
    entry<msg::create_topics_request>(),    entry<msg::init_producer_id_request>(),
    entry<msg::end_txn_request>(),          entry<msg::txn_offset_commit_request>(),
};

// The header must round trip as well.
void check_header(const request_header& h) {
  byte_buffer encoded;
  writer w(encoded);
  encode_request_header(w, h);
  reader r(encoded);
  request_header again;
  require(decode_request_header(r, again) && r.at_end(), "a re-encoded header decodes");
  require(again == h, "a decoded header round trips");
}

} // namespace

int frame_one_input(std::span<const uint8_t> data) {
  reader r(data);
  request_header h;
  if (!decode_request_header(r, h)) return 0;
  check_header(h);
  auto body = data.subspan(r.position());
  for (const auto& c : checks)
    if (c.key == h.api_key) return c.check(body, h.api_version);
  return 0;
}

} // namespace caudal::fuzz
