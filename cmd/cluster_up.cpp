// `caudal cluster up`: starts the nodes of a local cluster as detached child processes.

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "cluster/node_config.h"
#include "cmd/cli_common.h"
#include "cmd/cluster_config.h"
#include "cmd/cluster_pids.h"
#include "cmd/cluster_processes.h"
#include "cmd/kafka_client.h"

namespace caudal::cmd {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct node_plan {
  int32_t id = -1;
  fs::path config;
  std::string host; ///< where the client listener accepts connections
  uint16_t port = 0;
  std::string bootstrap;  ///< the advertised listener
  bool clustered = false; ///< controller.quorum.voters set: the nodes form one cluster
  pid_t pid = -1;
};

// The nodeN.properties files of `dir`, ordered by N.
std::vector<fs::path> config_files(const fs::path& dir) {
  std::vector<std::pair<int32_t, fs::path>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (auto n = node_number(e.path().filename().string(), ".properties"))
      found.emplace_back(*n, e.path());
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [n, p] : found) out.push_back(p);
  return out;
}

std::optional<std::vector<fs::path>> write_generated(const cluster_up_options& o,
                                                     std::string& err) {
  cluster_layout layout;
  layout.nodes = *o.nodes;
  layout.base_port = o.base_port;
  layout.inter_node_offset = inter_node_port_offset;
  layout.data_dir = fs::absolute(o.dir).lexically_normal().string();
  std::vector<fs::path> out;
  for (const auto& n : generate_node_configs(layout)) {
    auto path = fs::path{o.dir} / n.file_name;
    std::ofstream f{path, std::ios::trunc};
    if (!(f << n.properties) || !f.flush())
      return err = "cannot write " + path.string(), std::nullopt;
    out.push_back(path);
  }
  return out;
}

// Reads each config the way the node will, so a bad file fails here with the node's message.
std::optional<std::vector<node_plan>> make_plans(const std::vector<fs::path>& files,
                                                 std::string& err) {
  std::vector<node_plan> out;
  std::set<int32_t> ids;
  for (const auto& file : files) {
    cluster::config_error ce;
    auto cfg = cluster::load_node_config(file.string(), ce);
    if (!cfg) return err = file.string() + ": " + ce.message, std::nullopt;
    if (!ids.insert(cfg->node_id).second)
      return err = file.string() + ": node.id " + std::to_string(cfg->node_id) + " twice",
             std::nullopt;
    node_plan p;
    p.id = cfg->node_id;
    p.config = fs::absolute(file);
    p.host = cfg->listener.host == "0.0.0.0" ? "127.0.0.1" : cfg->listener.host;
    p.port = cfg->listener.port;
    p.bootstrap = cfg->advertised.host + ':' + std::to_string(cfg->advertised.port);
    p.clustered = cfg->cluster.has_value();
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::vector<node_plan>> plan(const cluster_up_options& o, std::string& err) {
  std::vector<fs::path> files;
  if (o.config_dir.empty()) {
    auto written = write_generated(o, err);
    if (!written) return std::nullopt;
    files = std::move(*written);
  } else {
    files = config_files(o.config_dir);
    if (files.empty()) return err = "no nodeN.properties in " + o.config_dir, std::nullopt;
    if (o.nodes && *o.nodes != static_cast<int>(files.size()))
      return err = "--nodes " + std::to_string(*o.nodes) + " but " + o.config_dir + " has " +
                   std::to_string(files.size()) + " node configs",
             std::nullopt;
  }
  return make_plans(files, err);
}

// Detached: its own session (a Ctrl-C meant for this command does not reach it), stdin from
// /dev/null, stdout and stderr appended to the node's log. Only async-signal-safe calls
// between fork and exec.
pid_t spawn_node(const fs::path& exe, const node_plan& p, const fs::path& log) {
  std::string exe_s = exe.string(), config = p.config.string(), log_s = log.string();
  const char* argv[] = {exe_s.c_str(), "node", "--config", config.c_str(), nullptr};
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  int in = ::open("/dev/null", O_RDONLY);
  int out = ::open(log_s.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in < 0 || out < 0) ::_exit(127);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  ::execv(exe_s.c_str(), const_cast<char* const*>(argv));
  ::_exit(127);
}

bool accepts_connections(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
  bool ok = false;
  for (auto* a = res; a != nullptr && !ok; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    ok = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return ok;
}

// Polls every node until all listen; fails as soon as one exits or the time is up.
bool wait_listening(const std::vector<node_plan>& plans, const fs::path& dir, int wait_ms,
                    std::string& err) {
  std::set<size_t> pending;
  for (size_t i = 0; i < plans.size(); ++i) pending.insert(i);
  auto deadline = steady_clock::now() + milliseconds{wait_ms};
  while (!pending.empty()) {
    for (auto it = pending.begin(); it != pending.end();) {
      const auto& p = plans[*it];
      int status = 0;
      if (::waitpid(p.pid, &status, WNOHANG) == p.pid)
        return err = "node " + std::to_string(p.id) + " exited during startup, see " +
                     log_file_path(dir, p.id).string(),
               false;
      it = accepts_connections(p.host, p.port) ? pending.erase(it) : std::next(it);
    }
    if (pending.empty()) break;
    if (steady_clock::now() >= deadline)
      return err = "node " + std::to_string(plans[*pending.begin()].id) + " not listening on " +
                   plans[*pending.begin()].bootstrap + " after " + std::to_string(wait_ms) +
                   " ms, see " + log_file_path(dir, plans[*pending.begin()].id).string(),
             false;
    std::this_thread::sleep_for(milliseconds{100});
  }
  return true;
}

std::string bootstrap_of(const std::vector<node_plan>& plans) {
  std::string out;
  for (const auto& p : plans) out += (out.empty() ? "" : ",") + p.bootstrap;
  return out;
}

// Listening is not enough in cluster mode: a node that has not registered with the
// controller yet is no placement target, so an RF=N topic created right after `up` would
// fail. Waits until Metadata lists every node.
bool wait_registered(const std::vector<node_plan>& plans, int wait_ms, std::string& err) {
  global_options g;
  g.brokers = bootstrap_of(plans);
  g.timeout_ms = 2000;
  client_error cerr;
  auto conf = make_conf(g, {}, cerr);
  auto rk = conf ? make_handle(RD_KAFKA_PRODUCER, std::move(conf), cerr) : nullptr;
  if (!rk) return err = cerr.message, false;
  auto deadline = steady_clock::now() + milliseconds{wait_ms};
  size_t seen = 0;
  while (steady_clock::now() < deadline) {
    if (auto info = fetch_metadata(rk.get(), g, cerr)) seen = info->brokers.size();
    if (seen >= plans.size()) return true;
    std::this_thread::sleep_for(milliseconds{200});
  }
  err = "only " + std::to_string(seen) + " of " + std::to_string(plans.size()) +
        " nodes registered after " + std::to_string(wait_ms) +
        " ms (see the node logs in the "
        "cluster directory)";
  return false;
}

std::optional<std::string> already_running(const fs::path& dir) {
  for (const auto& e : read_pid_files(dir))
    if (is_node_process(e.pid, e.config))
      return "node " + std::to_string(e.node) + " (pid " + std::to_string(e.pid) + ") from " +
             dir.string() + " is still running: `caudal cluster down --dir " + dir.string() +
             "` first";
  return std::nullopt;
}

// Starts every node and records its pid; returns the pid entries of those started.
std::vector<pid_entry> start_all(std::vector<node_plan>& plans, const fs::path& dir,
                                 std::string& err) {
  auto exe = fs::read_symlink("/proc/self/exe");
  std::vector<pid_entry> started;
  for (auto& p : plans) {
    p.pid = spawn_node(exe, p, log_file_path(dir, p.id));
    if (p.pid < 0) return err = "fork failed for node " + std::to_string(p.id), started;
    started.push_back({p.id, pid_file_path(dir, p.id), p.pid, p.config.string()});
    if (!write_pid_file(started.back().file, p.pid, p.config.string()))
      return err = "cannot write " + started.back().file.string(), started;
  }
  return started;
}

void print_started(const std::vector<node_plan>& plans, const fs::path& dir) {
  std::vector<std::vector<std::string>> rows{{"NODE", "PID", "LISTENER", "CONFIG", "LOG"}};
  for (const auto& p : plans)
    rows.push_back({std::to_string(p.id), std::to_string(p.pid), p.bootstrap, p.config.string(),
                    log_file_path(dir, p.id).string()});
  print_table(std::cout, rows);
  std::cout << "bootstrap.servers=" << bootstrap_of(plans) << '\n';
}

} // namespace

int run_cluster_up(const cluster_up_options& opts) {
  if (auto usage = check_up_options(opts)) return print_error("cluster up", *usage), exit_usage;
  std::error_code ec;
  fs::create_directories(opts.dir, ec);
  if (ec) return print_error("cluster up", opts.dir + ": " + ec.message()), exit_failure;
  if (auto running = already_running(opts.dir))
    return print_error("cluster up", *running), exit_failure;
  std::string err;
  auto plans = plan(opts, err);
  if (!plans) return print_error("cluster up", err), exit_failure;
  auto started = start_all(*plans, opts.dir, err);
  bool clustered = std::all_of(plans->begin(), plans->end(), [](auto& p) { return p.clustered; });
  if (err.empty() && wait_listening(*plans, opts.dir, opts.wait_ms, err) &&
      (!clustered || wait_registered(*plans, opts.wait_ms, err))) {
    print_started(*plans, opts.dir);
    return exit_ok;
  }
  // Half a cluster left behind would only confuse the next `up`.
  stop_nodes(started, 5000);
  print_error("cluster up", err);
  return exit_failure;
}

} // namespace caudal::cmd
