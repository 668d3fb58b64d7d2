#pragma once
// Options and helpers shared by all `caudal` subcommands.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caudal::cmd {

/// Process exit codes of `caudal`: scripts rely on them.
enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1, ///< the operation failed (broker error, unreachable broker, bad data)
  exit_usage = 2,   ///< the command line was wrong
};

/// Flags accepted by every client subcommand.
struct global_options {
  std::string brokers = "127.0.0.1:9092";
  int timeout_ms = 10000;
  bool debug = false; ///< forward librdkafka's own log lines to stderr
};

/// Splits "key=value" at the first '='. Returns nullopt when there is no '=' or the key
/// is empty.
std::optional<std::pair<std::string, std::string>> split_key_value(std::string_view text);

/// Parses a list of "key=value" strings; on the first malformed entry returns nullopt and
/// stores the offending entry in `bad`.
std::optional<std::vector<std::pair<std::string, std::string>>>
parse_key_values(const std::vector<std::string>& items, std::string& bad);

/// Prints rows as left-aligned columns separated by two spaces (first row = header).
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

/// Joins integers with ',' (e.g. replica lists).
std::string join_ints(const std::vector<int32_t>& values);

/// Prints "caudal: <context>: <message>" to stderr.
void print_error(std::string_view context, std::string_view message);

} // namespace caudal::cmd
