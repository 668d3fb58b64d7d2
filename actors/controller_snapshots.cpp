// Metadata snapshots (KRaft's snapshots of __cluster_metadata): without them
// the metadata log grows with every registration and leadership report, and a
// starting node replays all of it.
//
// - Every node writes its image as a snapshot file after
//   snapshot_interval_bytes of applied log, at the applied offset (always
//   committed), and deletes the log before the older of its two newest
//   snapshots: followers within one interval of the leader keep fetching the
//   log; only one further behind needs a snapshot.
// - A node starts from its newest snapshot that decodes and replays the log
//   after it.
// - A follower whose fetch fell below the leader's log start resets its log
//   to that start (consensus/replica_follower.cpp); its image then misses
//   records no log holds, so it asks another node for its image (any node's
//   image at its applied offset is committed state) and applies no log until
//   one at or past its log start arrives. KRaft's FetchSnapshot, in one
//   message instead of chunks.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/controller_state.h"

namespace caudal::actors {

namespace {

/// Who to ask: the leader if it is another node, else the other nodes in
/// turn (a node waiting for a snapshot may itself have been elected).
int32_t snapshot_source(controller_state& st, uint64_t attempt) {
  auto leader = st.replica->leader();
  if (leader != consensus::no_node && leader != st.args.node_id) return leader;
  std::vector<int32_t> others;
  for (auto v : st.args.voters)
    if (v != st.args.node_id) others.push_back(v);
  for (auto& [id, n] : st.image.nodes)
    if (id != st.args.node_id && std::find(others.begin(), others.end(), id) == others.end())
      others.push_back(id);
  if (others.empty()) return consensus::no_node;
  return others[attempt % others.size()];
}

/// Deletes the log before the older of the two newest snapshots.
bool trim_log(controller_self self) {
  auto& st = self->state;
  auto ids = st.snapshots->list();
  if (!ids) {
    spdlog::error("controller: cannot list metadata snapshots: {}", ids.error().message);
    return true; // the log just stays longer
  }
  if (ids->size() < 2) return true;
  auto keep_from = (*ids)[ids->size() - 2].end_offset;
  if (keep_from <= st.plog->log_start_offset()) return true;
  if (auto s = st.plog->delete_records_before(keep_from); !s) {
    spdlog::error("controller: cannot delete the metadata log before {}: {}", keep_from,
                  s.error().message);
    return false;
  }
  spdlog::debug("controller of node {}: metadata log now starts at {}", st.args.node_id, keep_from);
  return true;
}

/// Writes the image at `applied`; a failed write is retried after another interval.
void write_snapshot(controller_self self) {
  auto& st = self->state;
  metadata::snapshot_id id{st.applied, st.applied_epoch};
  auto bytes = metadata::encode_snapshot(st.image, id, now_ms(self));
  st.bytes_since_snapshot = 0;
  if (auto s = st.snapshots->save(bytes, id); !s) {
    spdlog::error("controller of node {}: cannot write the metadata snapshot at {}: {}",
                  st.args.node_id, id.end_offset, s.error().message);
    return;
  }
  st.snapshot_offset = id.end_offset;
  spdlog::debug("controller of node {}: metadata snapshot at offset {} ({} bytes)", st.args.node_id,
                id.end_offset, bytes.size());
}

} // namespace

bool load_local_snapshot(controller_self self) {
  auto& st = self->state;
  std::vector<std::string> skipped;
  auto snap = st.snapshots->load_latest(skipped);
  for (auto& s : skipped) spdlog::warn("controller: skipping metadata snapshot {}", s);
  if (!snap) {
    spdlog::error("controller: cannot read metadata snapshots: {}", snap.error().message);
    return false;
  }
  if (!*snap) return true;
  auto& s = **snap;
  st.image = std::move(s.img);
  st.applied = s.id.end_offset;
  st.applied_epoch = s.id.epoch;
  st.snapshot_offset = s.id.end_offset;
  st.image_changed = true;
  spdlog::info("controller of node {}: loaded the metadata snapshot at offset {} (epoch {})",
               st.args.node_id, s.id.end_offset, s.id.epoch);
  return true;
}

bool await_snapshot(controller_self self) {
  auto& st = self->state;
  auto start = st.log->start_offset();
  if (st.applied >= start) {
    st.snapshot_asked_ms = -1;
    return false;
  }
  auto now = now_ms(self);
  if (st.snapshot_asked_ms >= 0 && now - st.snapshot_asked_ms < st.args.election_timeout_ms)
    return true;
  auto attempt = static_cast<uint64_t>(std::max<int64_t>(now, 0) / st.args.election_timeout_ms);
  auto source = snapshot_source(st, attempt);
  if (source == consensus::no_node) return true;
  st.snapshot_asked_ms = now;
  spdlog::info("controller of node {}: image at {} is behind the metadata log start {}; "
               "asking node {} for a snapshot",
               st.args.node_id, st.applied, start, source);
  self->send(
      st.args.transport, peer_send_atom::value, source,
      caf::make_message(controller_group, metadata_snapshot_request{st.args.node_id, start}));
  return true;
}

bool maybe_take_snapshot(controller_self self) {
  auto& st = self->state;
  auto interval = st.args.snapshot_interval_bytes;
  if (interval <= 0 || st.bytes_since_snapshot < interval) return true;
  if (st.applied_epoch < 0 || st.applied <= st.snapshot_offset) return true;
  write_snapshot(self);
  return trim_log(self);
}

void on_snapshot_request(controller_self self, const metadata_snapshot_request& r) {
  auto& st = self->state;
  // Our image must cover what the asker's log lacks, and be whole itself.
  if (st.applied < r.min_offset || st.applied < st.log->start_offset() || st.applied_epoch < 0)
    return; // the asker tries another node
  metadata::snapshot_id id{st.applied, st.applied_epoch};
  metadata_snapshot_answer a{metadata::encode_snapshot(st.image, id, now_ms(self))};
  self->send(st.args.transport, peer_send_atom::value, r.from,
             caf::make_message(controller_group, std::move(a)));
}

void on_snapshot_answer(controller_self self, int32_t from, const metadata_snapshot_answer& a) {
  auto& st = self->state;
  auto start = st.log->start_offset();
  if (st.applied >= start) return; // not waiting (a late or duplicate answer)
  auto snap = metadata::decode_snapshot(a.bytes);
  if (!snap.ok()) {
    spdlog::error("controller: bad metadata snapshot from node {}: {}", from, snap.error);
    return;
  }
  if (snap.value.id.end_offset < start) return; // too old: ask again later
  if (auto s = st.snapshots->save(a.bytes, snap.value.id); !s)
    spdlog::error("controller: cannot store the metadata snapshot from node {}: {}", from,
                  s.error().message); // still usable now; a restart asks again
  else
    st.snapshot_offset = snap.value.id.end_offset;
  st.image = std::move(snap.value.img);
  st.applied = snap.value.id.end_offset;
  st.applied_epoch = snap.value.id.epoch;
  st.image_changed = true;
  st.bytes_since_snapshot = 0;
  st.snapshot_asked_ms = -1;
  spdlog::info("controller of node {}: installed the metadata snapshot of node {} at offset {}",
               st.args.node_id, from, st.applied);
}

} // namespace caudal::actors
