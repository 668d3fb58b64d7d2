#include "actors/session.h"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"

namespace caudal::actors {

void complete(session_self self, uint64_t seq, std::optional<protocol::byte_buffer> frame) {
  auto& st = self->state;
  auto it = st.pending.find(seq);
  if (it == st.pending.end()) return; // connection already closed
  it->second.ready = true;
  it->second.frame = std::move(frame);
  while (!st.pending.empty() && st.pending.begin()->second.ready) {
    auto& head = st.pending.begin()->second;
    st.sink.respond(std::move(head.frame), head.request_bytes);
    st.pending.erase(st.pending.begin());
  }
}

namespace {

void close_connection(session_self self, const std::string& why) {
  auto& st = self->state;
  if (st.closed) return;
  spdlog::warn("closing client connection: {}", why);
  st.closed = true;
  st.pending.clear();
  st.sink.close();
}

/// Decodes the body of request type T; false if malformed. Trailing bytes are
/// ignored, as Kafka's broker does: librdkafka 2.0.2 sends ListGroups v4 with
/// one extra byte after the tagged fields.
template <class T>
bool decode_body(protocol::reader& r, int16_t version, T& out) {
  out.decode(r, version);
  return r.ok();
}

template <class T, class Handler>
void decode_and_run(session_self self, protocol::reader& r, const request_context& rc,
                    Handler handler) {
  T req;
  if (!decode_body(r, rc.version(), req)) {
    close_connection(self,
                     std::string{"malformed "} + T::name + " v" + std::to_string(rc.version()));
    return;
  }
  handler(self, rc, std::move(req));
}

/// An ApiVersions request of a version this node does not know: answer in the
/// v0 shape with UNSUPPORTED_VERSION and our ranges, so the client can retry.
void reject_api_versions(session_self self, const request_context& rc) {
  msg::api_versions_response resp;
  resp.error_code = error_code::unsupported_version;
  for (auto& api : served_apis()) {
    msg::api_versions_response::api_version v;
    v.api_key = api.key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    resp.api_keys.push_back(v);
  }
  auto h = rc.header;
  h.api_version = 0;
  complete(self, rc.seq, encode_response(h, resp));
}

void dispatch(session_self self, protocol::reader& r, const request_context& rc) {
  switch (rc.header.api_key) {
  case 0:
    return decode_and_run<msg::produce_request>(self, r, rc, handle_produce_with_test_hooks);
  case 1:
    return decode_and_run<msg::fetch_request>(self, r, rc, handle_fetch);
  case 2:
    return decode_and_run<msg::list_offsets_request>(self, r, rc, handle_list_offsets);
  case 3:
    return decode_and_run<msg::metadata_request>(self, r, rc, handle_metadata);
  case 23:
    return decode_and_run<msg::offset_for_leader_epoch_request>(self, r, rc,
                                                                handle_offset_for_leader_epoch);
  case 8:
    return decode_and_run<msg::offset_commit_request>(self, r, rc, handle_offset_commit);
  case 9:
    return decode_and_run<msg::offset_fetch_request>(self, r, rc, handle_offset_fetch);
  case 10:
    return decode_and_run<msg::find_coordinator_request>(self, r, rc, handle_find_coordinator);
  case 11:
    return decode_and_run<msg::join_group_request>(self, r, rc, handle_join_group);
  case 12:
    return decode_and_run<msg::heartbeat_request>(self, r, rc, handle_heartbeat);
  case 13:
    return decode_and_run<msg::leave_group_request>(self, r, rc, handle_leave_group);
  case 14:
    return decode_and_run<msg::sync_group_request>(self, r, rc, handle_sync_group);
  case 15:
    return decode_and_run<msg::describe_groups_request>(self, r, rc, handle_describe_groups);
  case 16:
    return decode_and_run<msg::list_groups_request>(self, r, rc, handle_list_groups);
  case 42:
    return decode_and_run<msg::delete_groups_request>(self, r, rc, handle_delete_groups);
  case 47:
    return decode_and_run<msg::offset_delete_request>(self, r, rc, handle_offset_delete);
  case 18:
    return decode_and_run<msg::api_versions_request>(
        self, r, rc, [](auto s, auto& c, auto q) { handle_api_versions(s, c, q); });
  case 19:
    return decode_and_run<msg::create_topics_request>(self, r, rc, handle_create_topics);
  case 20:
    return decode_and_run<msg::delete_topics_request>(self, r, rc, handle_delete_topics);
  case 22:
    return decode_and_run<msg::init_producer_id_request>(self, r, rc, handle_init_producer_id);
  case 32:
    return decode_and_run<msg::describe_configs_request>(self, r, rc, handle_describe_configs);
  case 33:
    return decode_and_run<msg::alter_configs_request>(self, r, rc, handle_alter_configs);
  case 37:
    return decode_and_run<msg::create_partitions_request>(self, r, rc, handle_create_partitions);
  case 44:
    return decode_and_run<msg::incremental_alter_configs_request>(self, r, rc,
                                                                  handle_incremental_alter_configs);
  case 43:
    return decode_and_run<msg::elect_leaders_request>(self, r, rc, handle_elect_leaders);
  case 45:
    return decode_and_run<msg::alter_partition_reassignments_request>(
        self, r, rc, handle_alter_partition_reassignments);
  case 46:
    return decode_and_run<msg::list_partition_reassignments_request>(
        self, r, rc, handle_list_partition_reassignments);
  case 64:
    return decode_and_run<msg::unregister_broker_request>(self, r, rc, handle_unregister_broker);
  case 60:
    return decode_and_run<msg::describe_cluster_request>(
        self, r, rc, [](auto s, auto& c, auto q) { handle_describe_cluster(s, c, q); });
  default:
    close_connection(self, "unsupported API key " + std::to_string(rc.header.api_key));
  }
}

/// An ApiVersions request from the future may use a header layout we cannot
/// know; only the fields every header version shares are needed to answer it.
bool is_future_api_versions(std::span<const uint8_t> frame, request_context& rc) {
  protocol::reader r{frame};
  rc.header.api_key = r.i16();
  rc.header.api_version = r.i16();
  rc.header.correlation_id = r.i32();
  auto* api = find_served(18);
  return r.ok() && rc.header.api_key == 18 && rc.header.api_version > api->max_version;
}

void on_frame(session_self self, protocol::byte_buffer& frame) {
  auto& st = self->state;
  if (st.closed) return;
  protocol::reader r{frame};
  request_context rc;
  if (is_future_api_versions(frame, rc)) {
    rc.seq = st.next_seq++;
    st.pending[rc.seq].request_bytes = frame.size() + 4;
    return reject_api_versions(self, rc);
  }
  if (!protocol::decode_request_header(r, rc.header))
    return close_connection(self, "malformed request header");
  rc.seq = st.next_seq++;
  st.pending[rc.seq].request_bytes = frame.size() + 4;
  spdlog::debug("request api={} v{} correlation={} client={}", rc.header.api_key, rc.version(),
                rc.header.correlation_id, rc.header.client_id.value_or("-"));
  auto* api = find_served(rc.header.api_key);
  if (!api)
    return close_connection(self, "unsupported API key " + std::to_string(rc.header.api_key));
  if (rc.version() < api->min_version || rc.version() > api->max_version) {
    if (rc.header.api_key == 18) return reject_api_versions(self, rc);
    return close_connection(self, "unsupported version " + std::to_string(rc.version()) +
                                      " of API " + std::to_string(rc.header.api_key));
  }
  dispatch(self, r, rc);
}

bool node_serving(session_self self) { return self->state.ctx.metadata->get()->serving; }

constexpr auto held_recheck = std::chrono::milliseconds{50};

/// Requests wait (in order) until the node serves: the listener's in-flight
/// byte limit still applies to them, and a client that gives up closes.
void on_frame_or_hold(session_self self, protocol::byte_buffer& frame) {
  auto& st = self->state;
  if (st.held.empty() && node_serving(self)) return on_frame(self, frame);
  if (st.held.empty()) self->delayed_send(self, held_recheck, retry_atom::value);
  st.held.push_back(std::move(frame));
}

void release_held(session_self self) {
  auto& st = self->state;
  if (!node_serving(self)) {
    self->delayed_send(self, held_recheck, retry_atom::value);
    return;
  }
  while (!st.held.empty()) {
    auto frame = std::move(st.held.front());
    st.held.pop_front();
    on_frame(self, frame);
  }
}

} // namespace

caf::actor spawn_session(caf::actor_system& sys, node_context ctx, connection_sink sink) {
  return sys.spawn([c = std::move(ctx), s = std::move(sink)](session_self self) mutable {
    self->state.ctx = std::move(c);
    self->state.sink = std::move(s);
    return caf::behavior{
        [=](frame_atom, protocol::byte_buffer& frame) { on_frame_or_hold(self, frame); },
        [=](retry_atom) { release_held(self); },
    };
  });
}

} // namespace caudal::actors
