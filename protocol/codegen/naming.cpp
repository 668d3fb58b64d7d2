// Naming rules of the generated API (documented in protocol/README.md).
#include "model.h"

#include <cctype>
#include <set>

namespace caudal::codegen {

// CamelCase -> snake_case: a '_' goes before an uppercase letter that follows a
// lowercase letter or digit, or that follows an uppercase letter and precedes a
// lowercase one ("KRaftVersion" -> "k_raft_version", "IsrNodes" -> "isr_nodes").
std::string snake_case(const std::string& camel) {
  std::string out;
  auto up = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  auto low = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  for (size_t i = 0; i < camel.size(); ++i) {
    char c = camel[i];
    if (up(c) && i > 0) {
      char prev = camel[i - 1];
      bool next_low = i + 1 < camel.size() && low(camel[i + 1]);
      if (low(prev) || digit(prev) || (up(prev) && next_low)) out += '_';
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// C++ keywords (and alternative tokens) get a trailing '_'.
std::string member_name(const std::string& json_name) {
  static const std::set<std::string> keywords = {"alignas",       "alignof",     "and",
                                                 "and_eq",        "asm",         "auto",
                                                 "bitand",        "bitor",       "bool",
                                                 "break",         "case",        "catch",
                                                 "char",          "char8_t",     "char16_t",
                                                 "char32_t",      "class",       "compl",
                                                 "concept",       "const",       "consteval",
                                                 "constexpr",     "constinit",   "const_cast",
                                                 "continue",      "co_await",    "co_return",
                                                 "co_yield",      "decltype",    "default",
                                                 "delete",        "do",          "double",
                                                 "dynamic_cast",  "else",        "enum",
                                                 "explicit",      "export",      "extern",
                                                 "false",         "float",       "for",
                                                 "friend",        "goto",        "if",
                                                 "inline",        "int",         "long",
                                                 "mutable",       "namespace",   "new",
                                                 "noexcept",      "not",         "not_eq",
                                                 "nullptr",       "operator",    "or",
                                                 "or_eq",         "private",     "protected",
                                                 "public",        "register",    "reinterpret_cast",
                                                 "requires",      "return",      "short",
                                                 "signed",        "sizeof",      "static",
                                                 "static_assert", "static_cast", "struct",
                                                 "switch",        "template",    "this",
                                                 "thread_local",  "throw",       "true",
                                                 "try",           "typedef",     "typeid",
                                                 "typename",      "union",       "unsigned",
                                                 "using",         "virtual",     "void",
                                                 "volatile",      "wchar_t",     "while",
                                                 "xor",           "xor_eq"};
  std::string s = snake_case(json_name);
  if (keywords.count(s)) s += '_';
  return s;
}

} // namespace caudal::codegen
