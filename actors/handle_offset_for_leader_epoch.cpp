// OffsetForLeaderEpoch (KIP-320): a consumer that saw the leader change asks
// where the epoch of its last fetched record ends on the new leader; a fetch
// position past that end was truncated away and the client resets it.

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"
#include "actors/partition_messages.h"

namespace caudal::actors {

namespace {

using response = msg::offset_for_leader_epoch_response;

struct epoch_job {
  response resp;
  join_counter join;
};

/// The partition's answer, or an error when this node has no replica of it.
void ask_partition(session_self self, const metadata_snapshot& snap, const std::string& topic,
                   const msg::offset_for_leader_epoch_request::offset_for_leader_partition& p,
                   std::shared_ptr<epoch_job> job, size_t ti, size_t pi) {
  auto& out = job->resp.topics[ti].partitions[pi];
  const topic_entry* t = snap.find(topic);
  if (!t || p.partition < 0 || p.partition >= static_cast<int32_t>(t->partitions.size())) {
    out.error_code = error_code::unknown_topic_or_partition;
    return;
  }
  if (!t->partitions[p.partition]) {
    out.error_code = error_code::not_leader_or_follower;
    return;
  }
  ++job->join.remaining;
  self->request(t->partitions[p.partition], caf::infinite, epoch_atom::value,
                p.current_leader_epoch, p.leader_epoch)
      .then(
          [job, ti, pi](epoch_reply& rep) {
            auto& o = job->resp.topics[ti].partitions[pi];
            o.error_code = rep.error;
            o.leader_epoch = rep.leader_epoch;
            o.end_offset = rep.end_offset;
            job->join.arrive();
          },
          [job, ti, pi](caf::error&) {
            job->resp.topics[ti].partitions[pi].error_code = error_code::unknown_topic_or_partition;
            job->join.arrive();
          });
}

} // namespace

void handle_offset_for_leader_epoch(session_self self, const request_context& rc,
                                    msg::offset_for_leader_epoch_request req) {
  auto job = std::make_shared<epoch_job>();
  job->join.remaining = 1;
  job->join.done = [self, rc, job] { reply(self, rc, job->resp); };
  auto snap = self->state.ctx.metadata->get();
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    auto& t = req.topics[ti];
    auto& tr = job->resp.topics.emplace_back();
    tr.topic = t.topic;
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition = t.partitions[pi].partition;
      ask_partition(self, *snap, t.topic, t.partitions[pi], job, ti, pi);
    }
  }
  job->join.arrive();
}

} // namespace caudal::actors
