// Produce: validate, hand each partition's records to its partition actor,
// gather the replies into one response (none at all for acks=0).

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"
#include "actors/partition_messages.h"
#include "actors/topic_manager.h"

namespace caudal::actors {
namespace {

using produce_response = msg::produce_response;
using partition_result = produce_response::partition_produce_response;

struct produce_job {
  produce_response resp;
  join_counter join;
};

partition_result error_result(int32_t index, int16_t error, std::string message = {}) {
  partition_result r;
  r.index = index;
  r.error_code = error;
  r.base_offset = -1;
  r.log_append_time_ms = -1;
  r.log_start_offset = -1;
  if (!message.empty()) r.error_message = std::move(message);
  return r;
}

void finish(session_self self, const request_context& rc, int16_t acks,
            const produce_response& resp) {
  if (acks == 0) return complete(self, rc.seq, std::nullopt);
  reply(self, rc, resp);
}

} // namespace

void handle_produce(session_self self, const request_context& rc, msg::produce_request req) {
  auto acks = req.acks;
  auto job = std::make_shared<produce_job>();
  job->join.remaining = 1; // released after the loop, so replies cannot finish early
  job->join.done = [self, rc, acks, job] { finish(self, rc, acks, job->resp); };
  bool valid_acks = acks == -1 || acks == 0 || acks == 1;
  auto snap = self->state.ctx.metadata->get();
  for (auto& td : req.topic_data) {
    auto& tr = job->resp.responses.emplace_back();
    tr.name = td.name;
    const topic_entry* topic = snap->find(td.name);
    for (auto& pd : td.partition_data) {
      size_t slot = tr.partition_responses.size();
      tr.partition_responses.push_back(error_result(pd.index, error_code::none));
      auto& out = tr.partition_responses.back();
      if (!valid_acks) {
        out = error_result(pd.index, error_code::invalid_required_acks);
      } else if (std::string why; !topic && !valid_topic_name(td.name, why)) {
        out = error_result(pd.index, error_code::invalid_topic_exception, why);
      } else if (!topic || pd.index < 0 ||
                 pd.index >= static_cast<int32_t>(topic->partitions.size())) {
        out = error_result(pd.index, error_code::unknown_topic_or_partition);
      } else if (!topic->partitions[pd.index]) { // no replica here: the client's metadata is stale
        out = error_result(pd.index, error_code::not_leader_or_follower);
      } else if (!pd.records || pd.records->empty()) {
        out = error_result(pd.index, error_code::corrupt_message, "empty record set");
      } else {
        size_t topic_slot = job->resp.responses.size() - 1;
        ++job->join.remaining;
        append_request ar{std::move(*pd.records), acks};
        self->request(topic->partitions[pd.index], caf::infinite, append_atom::value, std::move(ar))
            .then(
                [job, topic_slot, slot](append_reply& rep) {
                  auto& o = job->resp.responses[topic_slot].partition_responses[slot];
                  o.error_code = rep.error;
                  o.base_offset = rep.base_offset;
                  o.log_append_time_ms = rep.log_append_time_ms;
                  o.log_start_offset = rep.log_start_offset;
                  if (!rep.message.empty()) o.error_message = rep.message;
                  job->join.arrive();
                },
                [job, topic_slot, slot](caf::error&) {
                  auto& o = job->resp.responses[topic_slot].partition_responses[slot];
                  o.error_code = error_code::unknown_topic_or_partition; // deleted meanwhile
                  job->join.arrive();
                });
      }
    }
  }
  job->join.arrive();
}

} // namespace caudal::actors
