// Fetch: read every requested partition from its actor, long-poll when there
// is less than min_bytes (answered as soon as any partition gets data, or at
// max_wait_ms), respect the response and partition byte limits, and keep
// incremental fetch sessions (KIP-227).

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"
#include "actors/partition_messages.h"

namespace caudal::actors {
namespace {

using fetch_response = msg::fetch_response;

struct read_outcome {
  read_reply reply;
  caf::actor partition; // null: topic or partition unknown
};

struct fetch_job {
  request_context rc;
  msg::fetch_request req;
  std::vector<fetch_item> items;
  std::vector<read_outcome> results;
  int32_t session_id = 0; // 0: sessionless
  bool incremental = false;
  bool waited = false;
  bool answered = false;
};
using job_ptr = std::shared_ptr<fetch_job>;

std::vector<fetch_item> requested_items(const msg::fetch_request& req, int16_t version,
                                        const metadata_snapshot& snap) {
  std::vector<fetch_item> out;
  for (auto& t : req.topics) {
    std::string name = t.topic;
    if (version >= 13)
      if (auto* e = snap.find(t.topic_id)) name = e->name;
    for (auto& p : t.partitions)
      out.push_back({name, t.topic_id, p.partition, p.fetch_offset, p.partition_max_bytes,
                     p.current_leader_epoch});
  }
  return out;
}

std::vector<std::pair<std::string, int32_t>>
forgotten_items(const msg::fetch_request& req, int16_t version, const metadata_snapshot& snap) {
  std::vector<std::pair<std::string, int32_t>> out;
  for (auto& f : req.forgotten_topics_data) {
    std::string name = f.topic;
    if (version >= 13)
      if (auto* e = snap.find(f.topic_id)) name = e->name;
    for (auto p : f.partitions) out.emplace_back(name, p);
  }
  return out;
}

caf::actor find_partition(const metadata_snapshot& snap, const fetch_item& item) {
  auto* t = snap.find(item.topic);
  if (!t || item.partition < 0 || item.partition >= static_cast<int32_t>(t->partitions.size()))
    return {};
  return t->partitions[item.partition];
}

/// The partition exists in the cluster (maybe without a replica on this node).
bool partition_known(const metadata_snapshot& snap, const fetch_item& item) {
  auto* t = snap.find(item.topic);
  return t && item.partition >= 0 && item.partition < static_cast<int32_t>(t->partitions.size());
}

void read_all(session_self self, job_ptr job);

void respond(session_self self, job_ptr job);

/// Waits until any partition passes its fetch offset or max_wait_ms passes.
void long_poll(session_self self, job_ptr job) {
  job->waited = true;
  int64_t wait = job->req.max_wait_ms;
  for (size_t i = 0; i < job->items.size(); ++i) {
    auto& res = job->results[i];
    if (!res.partition || res.reply.error != error_code::none) continue;
    self->request(res.partition, caf::infinite, wait_atom::value, job->items[i].fetch_offset, wait)
        .then(
            [=](bool) {
              if (!job->answered) read_all(self, job);
            },
            [=](caf::error&) {
              if (!job->answered) read_all(self, job);
            });
  }
}

void on_reads_done(session_self self, job_ptr job) {
  size_t bytes = 0;
  for (auto& r : job->results) bytes += r.reply.records.size();
  bool any_waitable = false;
  for (auto& r : job->results) any_waitable |= r.partition && r.reply.error == error_code::none;
  if (!job->waited && job->req.max_wait_ms > 0 && any_waitable &&
      static_cast<int64_t>(bytes) < std::max<int32_t>(job->req.min_bytes, 1))
    return long_poll(self, job);
  job->answered = true;
  respond(self, job);
}

void read_all(session_self self, job_ptr job) {
  auto snap = self->state.ctx.metadata->get();
  job->results.assign(job->items.size(), {});
  auto join = std::make_shared<join_counter>();
  join->remaining = 1;
  join->done = [=] { on_reads_done(self, job); };
  for (size_t i = 0; i < job->items.size(); ++i) {
    auto& item = job->items[i];
    auto& res = job->results[i];
    res.partition = find_partition(*snap, item);
    if (!res.partition) {
      res.reply.error = partition_known(*snap, item) ? error_code::not_leader_or_follower
                        : item.topic.empty()         ? error_code::unknown_topic_id
                                                     : error_code::unknown_topic_or_partition;
      continue;
    }
    ++join->remaining;
    read_request rr{item.fetch_offset, std::max(item.max_bytes, 0), true,
                    item.current_leader_epoch};
    self->request(res.partition, caf::infinite, read_atom::value, rr)
        .then(
            [=](read_reply& rep) {
              job->results[i].reply = std::move(rep);
              join->arrive();
            },
            [=](caf::error&) {
              job->results[i].reply.error = error_code::unknown_topic_or_partition;
              join->arrive();
            });
  }
  join->arrive();
}

fetch_response::partition_data to_partition_data(const fetch_item& item, read_reply& rep,
                                                 size_t& budget, bool& first) {
  fetch_response::partition_data pd;
  pd.partition_index = item.partition;
  pd.error_code = rep.error;
  pd.high_watermark = rep.high_watermark;
  pd.last_stable_offset = rep.high_watermark;
  pd.log_start_offset = rep.log_start_offset;
  // Kafka fills partitions in request order up to the response limit; the
  // first non-empty one is sent whole even past it, so consumers progress.
  if (!rep.records.empty() && (first || rep.records.size() <= budget)) {
    budget -= std::min(budget, rep.records.size());
    first = false;
    pd.records = std::move(rep.records);
  } else {
    pd.records = protocol::byte_buffer{};
  }
  return pd;
}

void respond(session_self self, job_ptr job) {
  fetch_response resp;
  resp.session_id = job->session_id;
  auto& ctx = self->state.ctx;
  int32_t max_bytes = job->req.max_bytes > 0 ? job->req.max_bytes : ctx.fetch_max_bytes;
  size_t budget = static_cast<size_t>(std::min(max_bytes, ctx.fetch_max_bytes));
  bool first = true;
  // Looked up again: the session may have been evicted during a long poll.
  auto* session = self->state.fetch_sessions.find(job->session_id);
  for (size_t i = 0; i < job->items.size(); ++i) {
    auto& item = job->items[i];
    auto pd = to_partition_data(item, job->results[i].reply, budget, first);
    bool has_records = pd.records && !pd.records->empty();
    if (session) {
      bool send = fetch_session_cache::should_send(*session, item, pd.high_watermark,
                                                   pd.log_start_offset, has_records, pd.error_code);
      if (job->incremental && !send) continue;
    }
    if (resp.responses.empty() || resp.responses.back().topic != item.topic ||
        resp.responses.back().topic_id != item.topic_id) {
      auto& t = resp.responses.emplace_back();
      t.topic = item.topic;
      t.topic_id = item.topic_id;
    }
    resp.responses.back().partitions.push_back(std::move(pd));
  }
  reply(self, job->rc, resp);
}

} // namespace

void handle_fetch(session_self self, const request_context& rc, msg::fetch_request req) {
  auto job = std::make_shared<fetch_job>();
  job->rc = rc;
  auto snap = self->state.ctx.metadata->get();
  auto requested = requested_items(req, rc.version(), *snap);
  auto forgotten = forgotten_items(req, rc.version(), *snap);
  fetch_session* session = nullptr;
  auto err = self->state.fetch_sessions.begin(req.session_id, req.session_epoch, requested,
                                              forgotten, job->items, session);
  if (err != error_code::none) {
    fetch_response resp;
    resp.error_code = err;
    return reply(self, rc, resp);
  }
  job->incremental = req.session_epoch > 0;
  job->session_id = session ? session->id : 0;
  job->req = std::move(req);
  read_all(self, job);
}

} // namespace caudal::actors
