#pragma once
// The Raft side of a replicated partition actor: one consensus::replica over
// the partition's log, its vote in the metastore, its traffic through the
// node's transport. The actor feeds it messages and timer ticks; after every
// step this class sends the replica's outbox, answers acks=all appends whose
// records the high watermark now covers, wakes long polls and reports
// leadership changes to the controller. See docs/replication.md.

#include <memory>
#include <string>
#include <vector>

#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/result.hpp>

#include "actors/partition_state.h"
#include "consensus/replica.h"

namespace caudal::actors {

class partition_replication {
public:
  /// Builds the replica over `self`'s open log and registers the group at
  /// the node's router. Null with `error` set on failure.
  static std::unique_ptr<partition_replication> open(partition_self self, std::string& error);
  ~partition_replication();

  bool is_leader() const;
  int64_t high_watermark() const;
  int32_t leader_epoch() const;
  consensus::epoch_end end_of_epoch(int32_t epoch) const;

  /// Produce on the leader; acks=-1 is answered once committed.
  caf::result<append_reply> append(partition_self self, append_request& req);
  void on_message(partition_self self, int32_t from, const caf::message& m);
  /// What the metadata image says of this partition; a leader that the image
  /// does not show as it is (e.g. after the controller fenced this node)
  /// reports again.
  void on_image_view(partition_self self, int32_t leader, int32_t epoch, std::vector<int32_t> isr);
  /// `periodic`: the timer (re-armed here); otherwise an extra tick asked
  /// for by after_step because the replica has work due now (a flush).
  void on_tick(partition_self self, bool periodic);
  /// Unregisters from the router and answers everything pending.
  void stop(partition_self self);
  /// A reassignment step from the metadata image (cluster_topic_reassign):
  /// the replica list, the voters among them, and the replicas leaving. A
  /// leader that is leaving hands leadership to a target voter once every
  /// target votes; while the sets differ, the ISR it reports lists only the
  /// replicas holding every committed entry under its voter set.
  void set_replica_sets(partition_self self, std::vector<int32_t> replicas,
                        std::vector<int32_t> voters, std::vector<int32_t> removing);

  struct impl;

private:
  explicit partition_replication(std::unique_ptr<impl> p);
  caf::result<append_reply> await_commit(partition_self self, append_reply rep, int64_t need_hw);
  void settle_acks(partition_self self);
  void report_leadership(partition_self self);
  std::vector<int32_t> reported_isr(int64_t now) const;
  bool completion_ready() const;
  void hand_over_if_leaving(partition_self self);
  // Elasticity (ElectLeaders, UnregisterBroker): group-keyed messages
  // (group, elect_atom, int32 target) and (group, drain_atom); true if `m`
  // was one of them.
  bool on_elastic(partition_self self, const caf::message& m);
  void hand_over_if_draining(partition_self self);
  void after_step(partition_self self);
  std::unique_ptr<impl> impl_;
};

} // namespace caudal::actors
