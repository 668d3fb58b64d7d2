#include "cmd/cluster_pids.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>

namespace caudal::cmd {

namespace fs = std::filesystem;

fs::path pid_file_path(const fs::path& dir, int32_t node) {
  return dir / ("node" + std::to_string(node) + ".pid");
}

fs::path log_file_path(const fs::path& dir, int32_t node) {
  return dir / ("node" + std::to_string(node) + ".log");
}

std::optional<int32_t> node_number(const std::string& file_name, const std::string& ext) {
  const std::string prefix = "node";
  if (file_name.size() <= prefix.size() + ext.size() || file_name.rfind(prefix, 0) != 0 ||
      !file_name.ends_with(ext))
    return std::nullopt;
  const char* first = file_name.data() + prefix.size();
  const char* last = file_name.data() + file_name.size() - ext.size();
  int32_t n = -1;
  auto [p, ec] = std::from_chars(first, last, n);
  if (ec != std::errc{} || p != last || n < 0) return std::nullopt;
  return n;
}

std::vector<pid_entry> read_pid_files(const fs::path& dir) {
  std::vector<pid_entry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto n = node_number(e.path().filename().string(), ".pid");
    if (!n) continue;
    pid_entry entry{*n, e.path(), -1, {}};
    std::ifstream in{e.path()};
    long pid = -1;
    if (in >> pid && pid > 0) entry.pid = static_cast<pid_t>(pid);
    in >> std::ws;
    std::getline(in, entry.config);
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  return out;
}

bool write_pid_file(const fs::path& file, pid_t pid, const std::string& config) {
  std::ofstream out{file, std::ios::trunc};
  out << pid << '\n' << config << '\n';
  return static_cast<bool>(out.flush());
}

bool is_node_process(pid_t pid, const std::string& config) {
  if (pid <= 0) return false;
  std::ifstream in{"/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::vector<std::string> args;
  for (size_t start = 0; start < text.size();) {
    auto end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    args.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  // argv = caudal [global flags] node --config FILE; zombies have an empty command line.
  auto node = std::find(args.begin(), args.end(), "node");
  auto flag = std::find(node, args.end(), "--config");
  if (node == args.end() || flag == args.end()) return false;
  return config.empty() || (std::next(flag) != args.end() && *std::next(flag) == config);
}

} // namespace caudal::cmd
