// The membership half of a group consumer: coordinator lookup, join, sync,
// resume at the committed offsets. Polling, commits and heartbeats are in
// group_consumer_loop.cpp.
#include "sim/group_consumer.h"

#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/join_group_response.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/sync_group_response.h"
#include "sim/workload.h"

namespace caudal::sim {

namespace msg = protocol::msg;

namespace {
constexpr int16_t unknown_member_id = 25;
constexpr int16_t member_id_required = 79;
} // namespace

group_consumer::group_consumer(env e, int id) : env_(e), id_(id) {}

bool group_consumer::connected() {
  if (conn_ && conn_->alive()) return true;
  if (!env_.node.up()) return false;
  conn_ = std::make_shared<connection>(env_.loop, env_.cfg.max_latency_ms);
  conn_->attach(env_.node.connect(conn_->sink()));
  return true;
}

void group_consumer::on_disconnect() {
  if (conn_) conn_->drop(); // pending callbacks see nullptr and rejoin
}

void group_consumer::restart() {
  log("client restart");
  if (conn_) conn_->drop();
  conn_.reset();
  rejoin("restart", true);
}

// Every path back to the group goes through here: the incarnation changes, so
// the old poll/heartbeat/commit loops and late answers stop on their own.
void group_consumer::rejoin(const std::string& why, bool forget_member_id) {
  auto inc = ++incarnation_;
  state_ = state::joining;
  pos_.clear();
  if (forget_member_id) member_id_.clear();
  log("rejoin (" + why + ")");
  env_.loop.after(backoff(), [this, inc] { find_coordinator(inc); });
}

void group_consumer::on_group_error(uint64_t inc, int16_t error, const std::string& what) {
  if (inc != incarnation_) return;
  rejoin(what + " error " + std::to_string(error), error == unknown_member_id);
}

void group_consumer::find_coordinator(uint64_t inc) {
  if (inc != incarnation_) return;
  if (!connected()) return env_.loop.after(backoff(), [this, inc] { find_coordinator(inc); });
  msg::find_coordinator_request req;
  req.key = env_.cfg.group;
  req.key_type = 0;
  conn_->call<msg::find_coordinator_response>(
      req, 3, [this, inc](const msg::find_coordinator_response* r) {
        if (inc != incarnation_) return;
        if (r == nullptr || r->error_code != 0) return on_group_error(inc, -1, "find coordinator");
        join(inc); // the coordinator is this node: the one node of the simulation
      });
}

void group_consumer::join(uint64_t inc) {
  msg::join_group_request req;
  req.group_id = env_.cfg.group;
  req.session_timeout_ms = env_.cfg.session_timeout_ms;
  req.rebalance_timeout_ms = env_.cfg.session_timeout_ms * 2;
  req.member_id = member_id_;
  req.protocol_type = "consumer";
  auto& p = req.protocols.emplace_back();
  p.name = "range";
  p.metadata = encode_subscription(env_.cfg.topic);
  state_ = state::joining;
  conn_->call<msg::join_group_response>(
      req, 5, [this, inc](const msg::join_group_response* r) { on_joined(inc, r); });
}

void group_consumer::on_joined(uint64_t inc, const void* raw) {
  if (inc != incarnation_) return;
  auto* r = static_cast<const msg::join_group_response*>(raw);
  if (r == nullptr) return on_group_error(inc, -1, "join");
  if (r->error_code == member_id_required) {
    member_id_ = r->member_id; // KIP-394: join again with the id the coordinator chose
    return join(inc);
  }
  if (r->error_code != 0) return on_group_error(inc, r->error_code, "join");
  member_id_ = r->member_id;
  generation_ = r->generation_id;
  log("joined generation " + std::to_string(generation_) + " as " + member_id_ +
      (r->leader == member_id_ ? " as leader of " + std::to_string(r->members.size()) : ""));
  std::vector<std::pair<std::string, protocol::byte_buffer>> assignments;
  if (r->leader == member_id_) {
    std::vector<std::string> ids;
    for (auto& m : r->members) ids.push_back(m.member_id);
    for (auto& [member, parts] : range_assign(ids, env_.cfg.partitions))
      assignments.emplace_back(member, encode_assignment(env_.cfg.topic, parts));
  }
  sync(inc, std::move(assignments));
}

void group_consumer::sync(uint64_t inc,
                          std::vector<std::pair<std::string, protocol::byte_buffer>> assignments) {
  msg::sync_group_request req;
  req.group_id = env_.cfg.group;
  req.generation_id = generation_;
  req.member_id = member_id_;
  for (auto& [member, bytes] : assignments) {
    auto& a = req.assignments.emplace_back();
    a.member_id = member;
    a.assignment = std::move(bytes);
  }
  state_ = state::syncing;
  conn_->call<msg::sync_group_response>(
      req, 3, [this, inc](const msg::sync_group_response* r) { on_synced(inc, r); });
}

void group_consumer::on_synced(uint64_t inc, const void* raw) {
  if (inc != incarnation_) return;
  auto* r = static_cast<const msg::sync_group_response*>(raw);
  if (r == nullptr) return on_group_error(inc, -1, "sync");
  if (r->error_code != 0) return on_group_error(inc, r->error_code, "sync");
  std::vector<int32_t> parts;
  if (auto err = decode_assignment(r->assignment, parts); !err.empty()) {
    env_.hist.violation(name() + " got " + err);
    return on_group_error(inc, -1, "sync");
  }
  pos_.clear();
  for (auto p : parts) pos_[p] = -1; // unknown until the committed offsets arrive
  fetch_committed(inc);
}

void group_consumer::fetch_committed(uint64_t inc) {
  msg::offset_fetch_request req;
  req.group_id = env_.cfg.group;
  auto& t = req.topics->emplace_back();
  t.name = env_.cfg.topic;
  std::map<int32_t, int64_t> floor; // commits acknowledged before asking: must be visible
  for (auto& [p, pos] : pos_) {
    t.partition_indexes.push_back(p);
    floor[p] = env_.hist.acked_commit(p);
  }
  state_ = state::resuming;
  conn_->call<msg::offset_fetch_response>(req, 5,
                                          [this, inc, floor](const msg::offset_fetch_response* r) {
                                            on_committed_fetched(inc, r, floor);
                                          });
}

void group_consumer::on_committed_fetched(uint64_t inc, const void* raw,
                                          const std::map<int32_t, int64_t>& floor) {
  if (inc != incarnation_) return;
  auto* r = static_cast<const msg::offset_fetch_response*>(raw);
  if (r == nullptr || r->error_code != 0) return on_group_error(inc, -1, "offset fetch");
  for (auto& t : r->topics)
    for (auto& p : t.partitions) {
      auto it = pos_.find(p.partition_index);
      if (t.name != env_.cfg.topic || it == pos_.end() || p.error_code != 0) continue;
      auto start = p.committed_offset < 0 ? 0 : p.committed_offset; // none: earliest
      env_.hist.group_resumed(id_, p.partition_index, p.committed_offset,
                              floor.at(p.partition_index));
      it->second = start;
    }
  for (auto& [p, pos] : pos_)
    if (pos < 0) return on_group_error(inc, -1, "offset fetch (partition missing)");
  become_stable(inc);
}

std::string group_consumer::progress() const {
  std::string s = name() + (stable() ? ":gen" + std::to_string(generation_) : ":joining") + "{";
  for (auto& [p, pos] : pos_) s += "p" + std::to_string(p) + "@" + std::to_string(pos) + " ";
  return s + "} ";
}

} // namespace caudal::sim
