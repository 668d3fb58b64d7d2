#include "cmd/admin_session.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "protocol/messages/metadata_request.h"

namespace caudal::cmd {
namespace {

namespace msg = protocol::msg;

bool all_ok(const std::vector<partition_result>& results, bool election) {
  for (const auto& r : results)
    if (election ? !election_ok(r.error) : r.error != 0) return false;
  return true;
}

} // namespace

std::optional<cluster_view> fetch_view(admin_session& s, bool with_pending, client_error& err) {
  msg::metadata_request mreq;
  mreq.topics.reset(); // null: every topic, and never auto-creation
  mreq.allow_auto_topic_creation = false;
  auto md = s.call<msg::metadata_response>(mreq, err);
  if (!md) return std::nullopt;
  auto view = view_from_metadata(*md);
  if (!with_pending) return view;
  auto list = s.call<msg::list_partition_reassignments_response>(
      list_request({}, nullptr, s.global().timeout_ms), err);
  if (!list) return std::nullopt;
  if (list->error_code != 0) {
    err.message = "ListPartitionReassignments: " +
                  describe_kafka_error(list->error_code, list->error_message);
    return std::nullopt;
  }
  view.pending = pending_from_list(*list);
  return view;
}

bool send_moves(admin_session& s, const std::vector<partition_move>& moves,
                std::string_view context) {
  client_error err;
  auto resp = s.call<msg::alter_partition_reassignments_response>(
      alter_request(moves, s.global().timeout_ms), err);
  if (!resp) return print_error(context, err.message), false;
  int16_t top = 0;
  std::string top_message;
  auto results = alter_results(*resp, top, top_message);
  if (top != 0) return print_error(context, describe_kafka_error(top, top_message)), false;
  if (all_ok(results, false)) return true;
  std::vector<partition_result> failed;
  for (const auto& r : results)
    if (r.error != 0) failed.push_back(r);
  print_table(std::cerr, result_table(failed, false));
  print_error(context, std::to_string(failed.size()) + " of " + std::to_string(results.size()) +
                           " reassignments were refused");
  return false;
}

bool elect_preferred(admin_session& s, const std::vector<topic_partition>& partitions,
                     std::string_view context) {
  client_error err;
  auto resp =
      s.call<msg::elect_leaders_response>(elect_request(partitions, s.global().timeout_ms), err);
  if (!resp) return print_error(context, err.message), false;
  int16_t top = 0;
  auto results = elect_results(*resp, top);
  if (top != 0) return print_error(context, describe_kafka_error(top, std::nullopt)), false;
  print_table(std::cout, result_table(results, true));
  if (all_ok(results, true)) return true;
  print_error(context, "some preferred leader elections failed");
  return false;
}

void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace caudal::cmd
