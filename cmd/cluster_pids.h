#pragma once
// Pid files of a local cluster's nodes (<dir>/nodeN.pid) and checks that a pid still is a
// Caudal node, so `cluster down` never signals an unrelated process that reused the pid.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace caudal::cmd {

struct pid_entry {
  int32_t node = -1;
  std::filesystem::path file;
  pid_t pid = -1;     ///< -1: the file did not hold a pid
  std::string config; ///< the node's --config argument (second line of the file)
};

std::filesystem::path pid_file_path(const std::filesystem::path& dir, int32_t node);
std::filesystem::path log_file_path(const std::filesystem::path& dir, int32_t node);

/// The nodeN.pid files in `dir`, ordered by N.
std::vector<pid_entry> read_pid_files(const std::filesystem::path& dir);

/// Writes "<pid>\n<config>\n".
bool write_pid_file(const std::filesystem::path& file, pid_t pid, const std::string& config);

/// True while `pid` runs `... node --config <config>` (any config when `config` is empty;
/// a zombie or another program: false). Other people's nodes may run on the same machine,
/// so a reused pid must not be mistaken for ours.
bool is_node_process(pid_t pid, const std::string& config = {});

/// "nodeN.<ext>" -> N, for N >= 0.
std::optional<int32_t> node_number(const std::string& file_name, const std::string& ext);

} // namespace caudal::cmd

namespace caudal::cmd {

enum class stop_outcome { not_running, stopped, killed };

/// SIGTERMs every entry whose pid still is that node (same --config), waits up to `grace_ms` for
/// all of them, SIGKILLs the rest and removes the pid files. Returns one outcome per entry.
std::vector<stop_outcome> stop_nodes(const std::vector<pid_entry>& nodes, int grace_ms);

} // namespace caudal::cmd
