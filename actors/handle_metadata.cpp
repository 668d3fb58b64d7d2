// ApiVersions, Metadata and DescribeCluster: what a client asks first.

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/handlers.h"
#include "actors/topic_manager.h"

namespace caudal::actors {

const std::vector<served_api>& served_apis() {
  // Produce from v3 and Fetch from v4: older versions carry magic 0/1
  // message sets, which this node does not store (see docs/compatibility.md).
  static const std::vector<served_api> apis{
      {0, 3, 11}, // Produce
      {1, 4, 16}, // Fetch
      {2, 1, 8},  // ListOffsets
      {3, 0, 12}, // Metadata
      {8, 0, 8},  // OffsetCommit (v9 is KIP-848's member epoch)
      {9, 0, 8},  // OffsetFetch
      {10, 0, 4}, // FindCoordinator
      {11, 0, 9}, // JoinGroup
      {12, 0, 4}, // Heartbeat
      {13, 0, 5}, // LeaveGroup
      {14, 0, 5}, // SyncGroup
      {15, 0, 5}, // DescribeGroups
      {16, 0, 4}, // ListGroups
      {18, 0, 4}, // ApiVersions
      {19, 0, 7}, // CreateTopics
      {20, 0, 6}, // DeleteTopics
      {22, 0, 4}, // InitProducerId
      {23, 0, 4}, // OffsetForLeaderEpoch (KIP-320)
      {32, 0, 4}, // DescribeConfigs
      {33, 0, 2}, // AlterConfigs
      {37, 0, 3}, // CreatePartitions
      {42, 0, 2}, // DeleteGroups
      {43, 0, 2}, // ElectLeaders
      {44, 0, 1}, // IncrementalAlterConfigs
      {45, 0, 0}, // AlterPartitionReassignments
      {46, 0, 0}, // ListPartitionReassignments
      {47, 0, 0}, // OffsetDelete
      {60, 0, 1}, // DescribeCluster
      {64, 0, 0}, // UnregisterBroker (drains the node: docs/compatibility.md)
  };
  return apis;
}

const served_api* find_served(int16_t key) {
  for (auto& a : served_apis())
    if (a.key == key) return &a;
  return nullptr;
}

void handle_api_versions(session_self self, const request_context& rc,
                         const msg::api_versions_request&) {
  msg::api_versions_response resp;
  for (auto& api : served_apis()) {
    msg::api_versions_response::api_version v;
    v.api_key = api.key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
    resp.api_keys.push_back(v);
  }
  reply(self, rc, resp);
}

namespace {

constexpr int32_t authorized_ops_omitted = INT32_MIN;

/// The partition's view: the cluster's when published, else this node alone.
partition_view view_of(const node_context& ctx, const topic_entry& t, int32_t p) {
  if (p < static_cast<int32_t>(t.views.size())) return t.views[p];
  return partition_view{ctx.node_id, 0, {ctx.node_id}, {ctx.node_id}};
}

msg::metadata_response::metadata_response_topic describe_topic(const node_context& ctx,
                                                               const topic_entry& t) {
  msg::metadata_response::metadata_response_topic out;
  out.name = t.name;
  out.topic_id = t.id;
  out.is_internal = t.internal;
  out.topic_authorized_operations = authorized_ops_omitted;
  for (int32_t p = 0; p < static_cast<int32_t>(t.partitions.size()); ++p) {
    auto v = view_of(ctx, t, p);
    msg::metadata_response::metadata_response_partition mp;
    mp.partition_index = p;
    mp.leader_id = v.leader;
    mp.leader_epoch = v.leader_epoch;
    mp.replica_nodes = v.replicas;
    mp.isr_nodes = v.isr;
    if (v.leader < 0) mp.error_code = error_code::leader_not_available;
    out.partitions.push_back(std::move(mp));
  }
  return out;
}

/// The brokers a client may connect to: the cluster's, or this node alone.
std::vector<broker_view> brokers_of(const node_context& ctx, const metadata_snapshot& snap) {
  if (!snap.brokers.empty()) return snap.brokers;
  return {broker_view{ctx.node_id, ctx.advertised_host, ctx.advertised_port, std::nullopt}};
}

int32_t controller_of(const node_context& ctx, const metadata_snapshot& snap) {
  return snap.brokers.empty() ? ctx.node_id : snap.controller_id;
}

msg::metadata_response::metadata_response_topic missing_topic(const std::string& name,
                                                              int16_t error) {
  msg::metadata_response::metadata_response_topic out;
  out.name = name;
  out.error_code = error;
  out.topic_authorized_operations = authorized_ops_omitted;
  return out;
}

void answer_metadata(session_self self, const request_context& rc,
                     const msg::metadata_request& req) {
  auto& ctx = self->state.ctx;
  auto snap = ctx.metadata->get();
  msg::metadata_response resp;
  for (auto& bv : brokers_of(ctx, *snap)) {
    msg::metadata_response::metadata_response_broker b;
    b.node_id = bv.id;
    b.host = bv.host;
    b.port = bv.port;
    b.rack = bv.rack;
    resp.brokers.push_back(b);
  }
  resp.cluster_id = ctx.cluster_id;
  resp.controller_id = controller_of(ctx, *snap);
  resp.cluster_authorized_operations = authorized_ops_omitted;
  bool all = !req.topics || (rc.version() == 0 && req.topics->empty());
  if (all) {
    for (auto& [name, t] : snap->topics) resp.topics.push_back(describe_topic(ctx, *t));
  } else {
    for (auto& rt : *req.topics) {
      const topic_entry* t = rt.name ? snap->find(*rt.name) : snap->find(rt.topic_id);
      std::string why;
      if (t)
        resp.topics.push_back(describe_topic(ctx, *t));
      else if (rt.name && !valid_topic_name(*rt.name, why))
        resp.topics.push_back(missing_topic(*rt.name, error_code::invalid_topic_exception));
      else {
        auto m =
            missing_topic(rt.name.value_or(""), rt.name ? error_code::unknown_topic_or_partition
                                                        : error_code::unknown_topic_id);
        m.topic_id = rt.topic_id;
        resp.topics.push_back(std::move(m));
      }
    }
  }
  reply(self, rc, resp);
}

} // namespace

void handle_metadata(session_self self, const request_context& rc, msg::metadata_request req) {
  auto& ctx = self->state.ctx;
  // Versions 0-3 have no flag and always allow auto-creation.
  bool may_create = ctx.auto_create_topics && (rc.version() < 4 || req.allow_auto_topic_creation);
  std::vector<std::string> missing;
  if (may_create && req.topics) {
    auto snap = ctx.metadata->get();
    std::string why;
    for (auto& t : *req.topics)
      if (t.name && !snap->find(*t.name) && valid_topic_name(*t.name, why))
        missing.push_back(*t.name);
  }
  if (missing.empty()) return answer_metadata(self, rc, req);
  self->request(ctx.topic_manager, caf::infinite, ensure_atom::value, std::move(missing))
      .then([=](bool) { answer_metadata(self, rc, req); },
            [=](caf::error&) { answer_metadata(self, rc, req); });
}

void handle_describe_cluster(session_self self, const request_context& rc,
                             const msg::describe_cluster_request&) {
  auto& ctx = self->state.ctx;
  auto snap = ctx.metadata->get();
  msg::describe_cluster_response resp;
  resp.cluster_id = ctx.cluster_id;
  resp.controller_id = controller_of(ctx, *snap);
  resp.cluster_authorized_operations = authorized_ops_omitted;
  for (auto& bv : brokers_of(ctx, *snap)) {
    msg::describe_cluster_response::describe_cluster_broker b;
    b.broker_id = bv.id;
    b.host = bv.host;
    b.port = bv.port;
    b.rack = bv.rack;
    resp.brokers.push_back(b);
  }
  reply(self, rc, resp);
}

} // namespace caudal::actors
