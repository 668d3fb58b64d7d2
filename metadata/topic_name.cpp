#include "metadata/topic_name.h"

#include <algorithm>

namespace caudal::metadata {

bool valid_topic_name(const std::string& name, std::string& why) {
  if (name.empty()) return why = "Topic name is illegal, it can't be empty", false;
  if (name == "." || name == "..") return why = "Topic name cannot be \".\" or \"..\"", false;
  if (name.size() > max_topic_name_length)
    return why = "Topic name is illegal, it can't be longer than 249 characters", false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return why = "Topic name \"" + name +
                   "\" is illegal, it contains a character other than ASCII alphanumerics, '.', "
                   "'_' and '-'",
             false;
  }
  return true;
}

bool topic_names_collide(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a == b) return false;
  auto norm = [](std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
  };
  return norm(a) == norm(b);
}

} // namespace caudal::metadata
