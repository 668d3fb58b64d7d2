#pragma once
// A wire_client that (re)connects on demand: the polling loops of `cluster rebalance --wait`
// and `node decommission --wait` must survive a node restarting or closing the connection,
// so a failed call drops the connection and the next call connects again (to the first
// broker of -X that answers).

#include <memory>
#include <optional>

#include "cmd/cli_common.h"
#include "cmd/reassign_plan.h"
#include "cmd/wire_client.h"

namespace caudal::cmd {

class admin_session {
public:
  explicit admin_session(global_options global) : global_(std::move(global)) {}

  template <class Resp, class Req>
  std::optional<Resp> call(const Req& req, client_error& err) {
    if (!client_ && !(client_ = wire_client::connect(global_, err))) return std::nullopt;
    auto resp = client_->template call<Resp>(req, err);
    if (!resp) client_.reset();
    return resp;
  }

  const global_options& global() const { return global_; }

private:
  global_options global_;
  std::unique_ptr<wire_client> client_;
};

/// Metadata of every topic (no auto-creation) and, with `with_pending`, the reassignments
/// in progress (ListPartitionReassignments). Broker-level errors land in `err`.
std::optional<cluster_view> fetch_view(admin_session& s, bool with_pending, client_error& err);

/// Sends AlterPartitionReassignments for `moves`; prints the per-partition results that
/// failed (as a table) and returns false if any did or the request failed.
bool send_moves(admin_session& s, const std::vector<partition_move>& moves,
                std::string_view context);

/// Sends ElectLeaders PREFERRED (every partition when `partitions` is empty), prints the
/// per-partition results; false when the request failed or a partition failed other than
/// with ELECTION_NOT_NEEDED.
bool elect_preferred(admin_session& s, const std::vector<topic_partition>& partitions,
                     std::string_view context);

/// Sleeps for `ms` milliseconds (the polling interval of the --wait loops).
void pause_ms(int ms);
/// Wall-clock milliseconds on a monotonic clock, for --wait deadlines.
int64_t monotonic_ms();

} // namespace caudal::cmd
