#include "protocol/headers.h"

#include "protocol/api_table.h"

namespace caudal::protocol {
namespace {

constexpr int16_t k_controlled_shutdown = 7;
constexpr int16_t k_api_versions = 18;

void write_tags(writer& w, const std::vector<tagged_field>& tags) {
  w.uvarint(tags.size());
  size_t next = 0;
  wire::write_unknown_tags_below(w, tags, next, UINT64_MAX);
}

void read_tags(reader& r, std::vector<tagged_field>& out) {
  out.clear();
  const uint32_t count = r.uvarint32();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    uint32_t tag = 0;
    std::span<const uint8_t> data;
    if (!wire::read_tag(r, tag, data)) return;
    out.push_back({tag, byte_buffer(data.begin(), data.end())});
  }
}

} // namespace

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  const api_info* api = find_api(api_key);
  if (api == nullptr) return 1;
  if (api_key == k_controlled_shutdown && api_version == 0) return 0;
  return api_version >= api->first_flexible_version ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  const api_info* api = find_api(api_key);
  if (api == nullptr || api_key == k_api_versions) return 0;
  return api_version >= api->first_flexible_version ? 1 : 0;
}

bool decode_request_header(reader& r, request_header& out) {
  out.api_key = r.i16();
  out.api_version = r.i16();
  out.correlation_id = r.i32();
  out.client_id.reset();
  out.unknown_tags.clear();
  if (!r.ok()) return false;
  const int16_t version = request_header_version(out.api_key, out.api_version);
  // client_id keeps its int16 length even in the flexible header v2.
  if (version >= 1) wire::read_string_opt(r, false, true, out.client_id);
  if (version >= 2) read_tags(r, out.unknown_tags);
  return r.ok();
}

void encode_request_header(writer& w, const request_header& h) {
  const int16_t version = request_header_version(h.api_key, h.api_version);
  w.i16(h.api_key);
  w.i16(h.api_version);
  w.i32(h.correlation_id);
  if (version >= 1) wire::write_string_opt(w, h.client_id, false, true);
  if (version >= 2) write_tags(w, h.unknown_tags);
}

void encode_response_header(writer& w, const response_header& h, int16_t header_version) {
  w.i32(h.correlation_id);
  if (header_version >= 1) write_tags(w, h.unknown_tags);
}

bool decode_response_header(reader& r, response_header& out, int16_t header_version) {
  out.correlation_id = r.i32();
  out.unknown_tags.clear();
  if (header_version >= 1) read_tags(r, out.unknown_tags);
  return r.ok();
}

} // namespace caudal::protocol
