// The steady state of a group consumer: Fetch polls of the assigned
// partitions from the member's positions, periodic OffsetCommit of those
// positions and Heartbeats. Each loop carries the incarnation it was started
// in and stops when a rejoin changed it.
#include "sim/group_consumer.h"

#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"
#include "sim/records.h"
#include "sim/workload.h"

namespace caudal::sim {

namespace msg = protocol::msg;

void group_consumer::become_stable(uint64_t inc) {
  state_ = state::stable;
  std::string parts;
  for (auto& [p, pos] : pos_) {
    env_.hist.consumer_seek(id_, p, pos); // a rebalance may legitimately move back
    parts += " p" + std::to_string(p) + "@" + std::to_string(pos);
  }
  log("assigned" + (parts.empty() ? std::string(" nothing") : parts));
  poll(inc);
  env_.loop.after(env_.cfg.session_timeout_ms / 4, [this, inc] { heartbeat(inc); });
  env_.loop.after(env_.loop.uniform(20, 200), [this, inc] { commit(inc); });
}

void group_consumer::poll(uint64_t inc) {
  if (inc != incarnation_) return;
  if (pos_.empty()) return; // nothing assigned: only heartbeats until the next rebalance
  msg::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = static_cast<int32_t>(env_.loop.uniform(0, 100));
  req.min_bytes = 1;
  req.max_bytes = 4 << 20;
  req.session_epoch = -1;
  auto& t = req.topics.emplace_back();
  t.topic = env_.cfg.topic;
  for (auto& [p, pos] : pos_) {
    auto& fp = t.partitions.emplace_back();
    fp.partition = p;
    fp.fetch_offset = pos;
    fp.partition_max_bytes = 1 << 20;
  }
  conn_->call<msg::fetch_response>(
      req, 11, [this, inc](const msg::fetch_response* r) { on_polled(inc, r); });
}

void group_consumer::on_polled(uint64_t inc, const void* raw) {
  if (inc != incarnation_) return;
  auto* r = static_cast<const msg::fetch_response*>(raw);
  if (r == nullptr || r->error_code != 0) return on_group_error(inc, -1, "fetch");
  for (auto& topic : r->responses)
    for (auto& pd : topic.partitions) {
      auto it = pos_.find(pd.partition_index);
      if (it == pos_.end()) continue;
      if (pd.error_code == 1) { // out of range: the log end moved below the position
        auto to = std::max<int64_t>(0, pd.high_watermark);
        log("reset p" + std::to_string(it->first) + " " + std::to_string(it->second) + "->" +
            std::to_string(to));
        env_.hist.consumer_reset(id_, it->first, it->second, to);
        it->second = to;
      } else if (pd.error_code == 0 && pd.records) {
        auto before = it->second;
        auto err = for_each_record(*pd.records, [&](int64_t o, stored_record&& rec) {
          take(pd.partition_index, o, std::move(rec));
        });
        if (!err.empty()) env_.hist.violation(name() + " fetched " + err);
        if (it->second != before)
          log("read p" + std::to_string(it->first) + " [" + std::to_string(before) + "," +
              std::to_string(it->second) + ")");
      }
    }
  env_.loop.after(env_.loop.uniform(0, env_.cfg.think_max_ms), [this, inc] { poll(inc); });
}

// Jepsen's poll-skip: from where it resumed, a member sees every offset.
void group_consumer::take(int32_t partition, int64_t offset, stored_record&& rec) {
  auto& pos = pos_[partition];
  if (offset < pos) return; // earlier records of a batch that straddles the position
  if (offset != pos)
    env_.hist.violation("poll-skip: " + name() + " expected p" + std::to_string(partition) + "@" +
                        std::to_string(pos) + ", got offset " + std::to_string(offset));
  pos = offset + 1;
  env_.hist.observed(id_, partition, offset, rec, env_.loop.now_ms());
}

void group_consumer::heartbeat(uint64_t inc) {
  if (inc != incarnation_) return;
  msg::heartbeat_request req;
  req.group_id = env_.cfg.group;
  req.generation_id = generation_;
  req.member_id = member_id_;
  conn_->call<msg::heartbeat_response>(req, 3, [this, inc](const msg::heartbeat_response* r) {
    if (inc != incarnation_) return;
    if (r == nullptr || r->error_code != 0)
      return on_group_error(inc, r ? r->error_code : int16_t{-1}, "heartbeat");
    env_.loop.after(env_.cfg.session_timeout_ms / 4, [this, inc] { heartbeat(inc); });
  });
}

void group_consumer::commit(uint64_t inc) {
  if (inc != incarnation_) return;
  msg::offset_commit_request req;
  req.group_id = env_.cfg.group;
  req.generation_id_or_member_epoch = generation_;
  req.member_id = member_id_;
  auto& t = req.topics.emplace_back();
  t.name = env_.cfg.topic;
  auto sent = pos_;
  for (auto& [p, pos] : sent) {
    auto& cp = t.partitions.emplace_back();
    cp.partition_index = p;
    cp.committed_offset = pos;
    env_.hist.commit_sent(p, pos);
  }
  conn_->call<msg::offset_commit_response>(
      req, 7, [this, inc, sent](const msg::offset_commit_response* r) {
        if (r == nullptr) return on_group_error(inc, -1, "commit");
        for (auto& topic : r->topics)
          for (auto& p : topic.partitions) {
            auto it = sent.find(p.partition_index);
            if (it == sent.end()) continue;
            if (p.error_code != 0) return on_group_error(inc, p.error_code, "commit");
            env_.hist.commit_acked(id_, it->first, it->second, env_.loop.now_ms());
          }
        if (inc != incarnation_) return;
        env_.loop.after(env_.loop.uniform(20, 200), [this, inc] { commit(inc); });
      });
}

} // namespace caudal::sim
