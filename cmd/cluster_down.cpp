// `caudal cluster down` and the stop logic `cluster up` also uses after a failed start.

#include <signal.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "cmd/cli_common.h"
#include "cmd/cluster_pids.h"
#include "cmd/cluster_processes.h"

namespace caudal::cmd {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Polls until none of `nodes` runs or the deadline passes; true if all ended.
bool wait_gone(const std::vector<pid_entry>& nodes, steady_clock::time_point deadline) {
  for (;;) {
    bool any = false;
    for (const auto& n : nodes) any = any || is_node_process(n.pid, n.config);
    if (!any) return true;
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds{50});
  }
}

const char* outcome_name(stop_outcome o) {
  switch (o) {
  case stop_outcome::not_running:
    return "not running";
  case stop_outcome::stopped:
    return "stopped";
  case stop_outcome::killed:
    return "killed after the grace period";
  }
  return "?";
}

} // namespace

std::vector<stop_outcome> stop_nodes(const std::vector<pid_entry>& nodes, int grace_ms) {
  std::vector<stop_outcome> out(nodes.size(), stop_outcome::not_running);
  std::vector<pid_entry> running;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!is_node_process(nodes[i].pid, nodes[i].config)) continue;
    ::kill(nodes[i].pid, SIGTERM);
    out[i] = stop_outcome::stopped;
    running.push_back(nodes[i]);
  }
  if (!wait_gone(running, steady_clock::now() + milliseconds{grace_ms})) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!is_node_process(nodes[i].pid, nodes[i].config)) continue;
      ::kill(nodes[i].pid, SIGKILL);
      out[i] = stop_outcome::killed;
    }
    // SIGKILL cannot be ignored; this only waits for the kernel to finish the job.
    wait_gone(running, steady_clock::now() + milliseconds{5000});
  }
  std::error_code ec;
  for (const auto& n : nodes) std::filesystem::remove(n.file, ec);
  return out;
}

int run_cluster_down(const cluster_down_options& opts) {
  auto nodes = read_pid_files(opts.dir);
  if (nodes.empty()) {
    std::cout << "no node pid files in " << opts.dir << ": nothing to stop\n";
    return exit_ok;
  }
  auto outcomes = stop_nodes(nodes, opts.grace_ms);
  std::vector<std::vector<std::string>> rows{{"NODE", "PID", "RESULT"}};
  for (size_t i = 0; i < nodes.size(); ++i)
    rows.push_back(
        {std::to_string(nodes[i].node), std::to_string(nodes[i].pid), outcome_name(outcomes[i])});
  print_table(std::cout, rows);
  for (auto o : outcomes)
    if (o == stop_outcome::killed) return exit_failure; // it did not shut down cleanly
  return exit_ok;
}

} // namespace caudal::cmd
