#pragma once
// Turns a per-version predicate into the shortest range test over the
// message's valid versions, e.g. "version >= 3" or "(version >= 1 && version <= 4)".

#include <string>

namespace caudal::codegen {

template <class Pred>
std::string version_cond(const message& m, Pred pred) {
  std::string out;
  int count = 0;
  for (int v = m.valid.lo; v <= m.valid.hi; ++v) {
    if (!pred(v)) continue;
    int end = v;
    while (end + 1 <= m.valid.hi && pred(end + 1)) ++end;
    std::string part;
    if (v == m.valid.lo && end == m.valid.hi) {
      part = "true";
    } else if (v == m.valid.lo) {
      part = "version <= " + std::to_string(end);
    } else if (end == m.valid.hi) {
      part = "version >= " + std::to_string(v);
    } else if (v == end) {
      part = "version == " + std::to_string(v);
    } else {
      part = "(version >= " + std::to_string(v) + " && version <= " + std::to_string(end) + ")";
    }
    out += (count++ ? " || " : "") + part;
    v = end;
  }
  if (count == 0) return "false";
  return count > 1 ? "(" + out + ")" : out;
}

} // namespace caudal::codegen
