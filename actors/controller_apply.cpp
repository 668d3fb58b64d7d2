// The controller's state machine side: committed metadata batches (offsets
// below the high watermark) are decoded and applied to the image in log
// order, and the image goes to the subscribers.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/controller_state.h"
#include "protocol/record_batch.h"

namespace caudal::actors {

namespace {

constexpr int32_t read_chunk_bytes = 1 << 20;

/// Applies the batches of `buf` lying in [applied, hw); false if none did.
bool apply_chunk(controller_state& st, const std::vector<uint8_t>& buf, int64_t hw) {
  std::vector<protocol::batch_span> spans;
  if (auto e = protocol::split_batches(buf, spans); e != protocol::batch_error::none) {
    spdlog::error("controller: metadata log at {}: {}", st.applied, protocol::to_string(e));
    return false;
  }
  bool progress = false;
  for (auto& s : spans) {
    auto last = s.header.last_offset();
    if (last < st.applied) continue; // a read may start inside an earlier batch
    if (last >= hw) break;           // not committed yet
    auto bytes = std::span<const uint8_t>(buf).subspan(s.position, s.size());
    auto recs = metadata::decode_batch(bytes);
    // Every node decodes the same committed bytes, so skipping a batch that
    // does not decode keeps the images equal (and the controller alive).
    if (!recs.ok())
      spdlog::error("controller: skipping metadata batch at {}: {}", s.header.base_offset,
                    recs.error);
    else if (!recs.value.empty())
      metadata::apply(st.image, recs.value), st.image_changed = true;
    st.applied = last + 1;
    st.applied_epoch = s.header.partition_leader_epoch;
    st.bytes_since_snapshot += static_cast<int64_t>(s.size());
    progress = true;
  }
  return progress;
}

} // namespace

bool apply_committed(controller_self self) {
  auto& st = self->state;
  auto hw = st.replica->high_watermark();
  // applied >= the log start here: after_step waits for a snapshot otherwise.
  std::vector<uint8_t> buf;
  while (st.applied < hw) {
    buf.clear();
    if (!st.log->read(st.applied, read_chunk_bytes, buf)) {
      spdlog::error("controller: cannot read the metadata log: {}", st.log->last_error());
      return false;
    }
    if (buf.empty() || !apply_chunk(st, buf, hw)) break;
  }
  return true;
}

void publish_if_changed(controller_self self) {
  auto& st = self->state;
  int32_t leader = st.replica->leader();
  if (!st.image_changed && leader == st.published_leader && st.published) return;
  if (st.image_changed || !st.published)
    st.published = std::make_shared<const metadata::image>(st.image);
  st.image_changed = false;
  st.published_leader = leader;
  for (auto& s : st.subscribers) self->send(s, image_atom::value, st.published, leader);
}

void add_subscriber(controller_self self, caf::actor s) {
  auto& st = self->state;
  if (!s) return;
  self->monitor(s);
  st.subscribers.push_back(s);
  if (!st.published) st.published = std::make_shared<const metadata::image>(st.image);
  self->send(s, image_atom::value, st.published, st.replica->leader());
}

} // namespace caudal::actors
