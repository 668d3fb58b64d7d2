#include "cmd/cli_common.h"

#include <algorithm>
#include <iostream>

namespace caudal::cmd {

std::optional<std::pair<std::string, std::string>> split_key_value(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return std::pair{std::string{text.substr(0, eq)}, std::string{text.substr(eq + 1)}};
}

std::optional<std::vector<std::pair<std::string, std::string>>>
parse_key_values(const std::vector<std::string>& items, std::string& bad) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    auto kv = split_key_value(item);
    if (!kv) {
      bad = item;
      return std::nullopt;
    }
    out.push_back(std::move(*kv));
  }
  return out;
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

std::string join_ints(const std::vector<int32_t>& values) {
  std::string out;
  for (auto v : values) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);
  }
  return out;
}

void print_error(std::string_view context, std::string_view message) {
  std::cerr << "caudal: " << context << ": " << message << '\n';
}

} // namespace caudal::cmd
