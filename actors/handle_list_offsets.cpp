// ListOffsets: earliest (-2), latest (-1), max timestamp (-3) or the first
// offset at or after a timestamp, per partition.

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"
#include "actors/partition_messages.h"

namespace caudal::actors {

using list_offsets_response = msg::list_offsets_response;

void handle_list_offsets(session_self self, const request_context& rc,
                         msg::list_offsets_request req) {
  struct job_t {
    list_offsets_response resp;
    join_counter join;
  };
  auto job = std::make_shared<job_t>();
  job->join.remaining = 1;
  job->join.done = [self, rc, job] { reply(self, rc, job->resp); };
  auto snap = self->state.ctx.metadata->get();
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    auto& t = req.topics[ti];
    auto& tr = job->resp.topics.emplace_back();
    tr.name = t.name;
    auto* topic = snap->find(t.name);
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      auto& p = t.partitions[pi];
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      pr.timestamp = -1;
      pr.offset = -1;
      if (!topic || p.partition_index < 0 ||
          p.partition_index >= static_cast<int32_t>(topic->partitions.size())) {
        pr.error_code = error_code::unknown_topic_or_partition;
        continue;
      }
      if (!topic->partitions[p.partition_index]) { // no replica on this node
        pr.error_code = error_code::not_leader_or_follower;
        continue;
      }
      ++job->join.remaining;
      self->request(topic->partitions[p.partition_index], caf::infinite, offsets_atom::value,
                    p.timestamp)
          .then(
              [job, ti, pi](offset_reply& rep) {
                auto& o = job->resp.topics[ti].partitions[pi];
                o.error_code = rep.error;
                o.timestamp = rep.timestamp;
                o.offset = rep.offset;
                o.leader_epoch = 0;
                job->join.arrive();
              },
              [job, ti, pi](caf::error&) {
                job->resp.topics[ti].partitions[pi].error_code =
                    error_code::unknown_topic_or_partition;
                job->join.arrive();
              });
    }
  }
  job->join.arrive();
}

} // namespace caudal::actors
