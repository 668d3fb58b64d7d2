// `caudal cluster reassignments|reassign|elect-leaders` and `caudal node decommission`.

#include "cmd/reassign_commands.h"

#include <iostream>

#include "cmd/admin_session.h"
#include "protocol/messages/unregister_broker_request.h"
#include "protocol/messages/unregister_broker_response.h"

namespace caudal::cmd {
namespace {

namespace msg = protocol::msg;

std::string load_text(int32_t id, const node_load& l) {
  return "node " + std::to_string(id) + " holds " + std::to_string(l.replicas) +
         " replicas and leads " + std::to_string(l.leaders) + " partitions";
}

// Polls Metadata until `id` holds no replica and leads nothing; prints each change.
int wait_drained(admin_session& s, const decommission_options& o) {
  const char* context = "node decommission";
  auto deadline = monotonic_ms() + o.wait_timeout_ms;
  std::optional<node_load> last;
  for (;;) {
    client_error err;
    auto view = fetch_view(s, false, err);
    if (view) {
      auto l = load_of(*view, o.id);
      if (!last || l.replicas != last->replicas || l.leaders != last->leaders)
        std::cout << "waiting: " << load_text(o.id, l) << std::endl;
      last = l;
      if (l.replicas == 0 && l.leaders == 0) {
        std::cout << "node " << o.id << " is drained: it holds no replica and leads nothing"
                  << std::endl;
        return exit_ok;
      }
    } else {
      std::cerr << "caudal: " << context << ": " << err.message << " (retrying)\n";
    }
    if (monotonic_ms() >= deadline) {
      print_error(context,
                  "timed out after " + std::to_string(o.wait_timeout_ms) +
                      " ms (--wait-timeout-ms): " + (last ? load_text(o.id, *last) : err.message));
      return exit_failure;
    }
    pause_ms(o.poll_ms);
  }
}

} // namespace

int run_cluster_reassignments(const reassignments_options& opts, const global_options& global) {
  const char* context = "cluster reassignments";
  admin_session s(global);
  client_error err;
  auto view = fetch_view(s, true, err);
  if (!view) return print_error(context, err.message), exit_failure;
  std::vector<pending_move> shown;
  for (const auto& name : opts.topics)
    if (!view->topic(name))
      return print_error(context,
                         "topic '" + name + "' does not exist (UNKNOWN_TOPIC_OR_PARTITION)"),
             exit_failure;
  for (const auto& m : view->pending)
    if (opts.topics.empty() ||
        std::find(opts.topics.begin(), opts.topics.end(), m.topic) != opts.topics.end())
      shown.push_back(m);
  if (shown.empty()) {
    std::cout << "no reassignment in progress\n";
    return exit_ok;
  }
  print_table(std::cout, pending_table(shown));
  return exit_ok;
}

int run_cluster_reassign(const reassign_options& opts, const global_options& global) {
  const char* context = "cluster reassign";
  if (auto bad = check_reassign_options(opts)) return print_error(context, *bad), exit_usage;
  partition_move m{opts.topic, opts.partition, {}, {}};
  if (!opts.cancel) m.to = *parse_replica_list(opts.replicas);
  admin_session s(global);
  if (!send_moves(s, {m}, context)) return exit_failure;
  std::cout << (opts.cancel ? "cancelled the reassignment of " : "reassigning ") << opts.topic
            << '-' << opts.partition << (opts.cancel ? "" : " to " + join_ints(m.to)) << '\n';
  return exit_ok;
}

int run_cluster_elect_leaders(const elect_options& opts, const global_options& global) {
  const char* context = "cluster elect-leaders";
  admin_session s(global);
  std::vector<topic_partition> wanted;
  if (!opts.topic.empty()) {
    client_error err;
    auto view = fetch_view(s, false, err);
    if (!view) return print_error(context, err.message), exit_failure;
    const auto* t = view->topic(opts.topic);
    if (!t || t->error != 0)
      return print_error(context,
                         "topic '" + opts.topic + "' does not exist (UNKNOWN_TOPIC_OR_PARTITION)"),
             exit_failure;
    for (const auto& p : t->partitions)
      if (!opts.partition || *opts.partition == p.id) wanted.push_back({t->name, p.id});
    if (wanted.empty())
      return print_error(context, "partition " + opts.topic + "-" +
                                      std::to_string(*opts.partition) +
                                      " does not exist (UNKNOWN_TOPIC_OR_PARTITION)"),
             exit_failure;
  }
  return elect_preferred(s, wanted, context) ? exit_ok : exit_failure;
}

int run_node_decommission(const decommission_options& opts, const global_options& global) {
  const char* context = "node decommission";
  admin_session s(global);
  msg::unregister_broker_request req;
  req.broker_id = opts.id;
  client_error err;
  auto resp = s.call<msg::unregister_broker_response>(req, err);
  if (!resp) return print_error(context, err.message), exit_failure;
  if (resp->error_code != 0)
    return print_error(context, describe_kafka_error(resp->error_code, resp->error_message)),
           exit_failure;
  std::cout << "node " << opts.id
            << " is decommissioned: its leadership and replicas move to the other nodes"
            << std::endl;
  return opts.wait ? wait_drained(s, opts) : exit_ok;
}

} // namespace caudal::cmd
