// `caudal cluster rebalance`: plan (reassign_plan.h), print, send, and with --wait repeat
// round by round until nothing is left to move, then elect the preferred leaders.

#include <iostream>
#include <map>

#include "cmd/admin_session.h"
#include "cmd/reassign_commands.h"

namespace caudal::cmd {
namespace {

constexpr const char* context = "cluster rebalance";
// A partition needs at most one round per replica; more rounds than this means the plan
// does not converge (a planner bug, or nodes coming and going): stop rather than loop.
constexpr int max_rounds = 32;
constexpr int leader_wait_ms = 30000;

struct run_state {
  const rebalance_options& o;
  admin_session s;
  std::set<std::string> topics;
  std::set<topic_partition> moved;
  int64_t deadline = 0;
};

bool selected(const run_state& r, const std::string& topic) {
  return r.topics.empty() || r.topics.count(topic);
}

std::string pending_text(const run_state& r, const cluster_view& v) {
  std::string text;
  int n = 0;
  for (const auto& m : v.pending) {
    if (!selected(r, m.topic)) continue;
    if (++n <= 6)
      text += (text.empty() ? "" : ", ") + m.topic + "-" + std::to_string(m.partition) +
              " (adding " + (m.adding.empty() ? "-" : join_ints(m.adding)) + ", removing " +
              (m.removing.empty() ? "-" : join_ints(m.removing)) + ")";
  }
  if (n > 6) text += ", ...";
  return n == 0 ? "" : std::to_string(n) + " in progress: " + text;
}

bool timed_out(const run_state& r, const std::string& what) {
  if (monotonic_ms() < r.deadline) return false;
  print_error(context, "timed out after " + std::to_string(r.o.wait_timeout_ms) +
                           " ms (--wait-timeout-ms) " + what);
  return true;
}

// Polls until no selected partition has a reassignment in progress.
bool wait_pending(run_state& r) {
  std::string last;
  for (;;) {
    client_error err;
    auto view = fetch_view(r.s, true, err);
    if (!view) {
      std::cerr << "caudal: " << context << ": " << err.message << " (retrying)\n";
    } else {
      auto text = pending_text(r, *view);
      if (text.empty()) return true;
      if (text != last) std::cout << "waiting: " << text << std::endl;
      last = text;
    }
    if (timed_out(r, "waiting for reassignments: " + last)) return false;
    pause_ms(r.o.poll_ms);
  }
}

void print_outcome(const rebalance_outcome& plan, int round) {
  if (!plan.pending.empty())
    std::cout << plan.pending.size()
              << " partitions have a reassignment in progress and are left out of this round\n";
  if (plan.moves.empty()) {
    std::cout << (round == 1 ? "nothing to move: replicas and preferred leaders are balanced\n"
                             : "nothing left to move\n");
    return;
  }
  std::cout << "round " << round << ": " << plan.moves.size() << " partitions\n";
  print_table(std::cout, plan_table(plan.moves));
  if (plan.need_more_steps > 0)
    std::cout << plan.need_more_steps
              << " partitions need more than one replica change; the next round moves the "
                 "next replica once this one completes\n";
}

// One round; returns false on failure, sets `done` when there was nothing (left) to move.
bool run_round(run_state& r, int round, bool& done) {
  client_error err;
  auto view = fetch_view(r.s, true, err);
  if (!view) return print_error(context, err.message), false;
  auto plan = plan_rebalance(*view, r.topics);
  if (!plan.error.empty()) return print_error(context, plan.error), false;
  print_outcome(plan, round);
  done = plan.moves.empty();
  if (done || r.o.dry_run) return true;
  if (!send_moves(r.s, plan.moves, context)) return false;
  for (const auto& m : plan.moves) r.moved.insert({m.topic, m.partition});
  std::cout << "started " << plan.moves.size() << " reassignments" << std::endl;
  return true;
}

// After the election: how many moved partitions are led by their first replica.
void wait_leaders(run_state& r) {
  auto until = std::min(r.deadline, monotonic_ms() + leader_wait_ms);
  size_t preferred = 0;
  for (;;) {
    client_error err;
    auto view = fetch_view(r.s, false, err);
    preferred = 0;
    for (const auto& tp : r.moved)
      if (const auto* t = view ? view->topic(tp.topic) : nullptr)
        for (const auto& p : t->partitions)
          preferred += p.id == tp.partition && !p.replicas.empty() && p.leader == p.replicas[0];
    if (preferred == r.moved.size() || monotonic_ms() >= until) break;
    pause_ms(r.o.poll_ms);
  }
  std::cout << preferred << " of " << r.moved.size()
            << " moved partitions are led by their preferred replica" << std::endl;
}

void print_loads(run_state& r) {
  client_error err;
  auto view = fetch_view(r.s, false, err);
  if (!view) return;
  table rows{{"NODE", "REPLICAS", "LEADERS"}};
  for (const auto& b : view->brokers) {
    auto l = load_of(*view, b.id);
    rows.push_back({std::to_string(b.id), std::to_string(l.replicas), std::to_string(l.leaders)});
  }
  print_table(std::cout, rows);
}

} // namespace

int run_cluster_rebalance(const rebalance_options& opts, const global_options& global) {
  run_state r{opts, admin_session{global}, {opts.topics.begin(), opts.topics.end()}, {}, 0};
  r.deadline = monotonic_ms() + opts.wait_timeout_ms;
  for (int round = 1;; ++round) {
    // Each round plans on completed moves: the controller takes one change at a time.
    if (opts.wait && !opts.dry_run && !wait_pending(r)) return exit_failure;
    bool done = false;
    if (!run_round(r, round, done)) return exit_failure;
    if (done || opts.dry_run) break;
    if (!opts.wait) {
      std::cout << "`caudal cluster reassignments` shows their progress; run rebalance again "
                   "once they completed if partitions needed more than one change\n";
      return exit_ok;
    }
    if (round >= max_rounds)
      return print_error(context,
                         "still not balanced after " + std::to_string(max_rounds) + " rounds"),
             exit_failure;
  }
  if (!opts.wait || opts.dry_run) return exit_ok;
  if (!r.moved.empty() && !opts.no_elect) {
    std::cout << "electing preferred leaders of " << r.moved.size() << " moved partitions\n";
    if (!elect_preferred(r.s, {r.moved.begin(), r.moved.end()}, context)) return exit_failure;
    wait_leaders(r);
  }
  print_loads(r);
  return exit_ok;
}

} // namespace caudal::cmd
