#include "emit_common.h"

#include <stdexcept>

namespace caudal::codegen {
namespace {

std::string default_string(const field& f) {
  if (!f.dflt) return "";
  if (f.dflt->is_string()) return f.dflt->get<std::string>();
  return f.dflt->dump();
}

std::string int_literal(kind k, const std::string& text) {
  long long v = std::stoll(text, nullptr, 0);
  if (k == kind::i32 && v == -2147483648LL) return "std::numeric_limits<int32_t>::min()";
  if (k == kind::i64 && v == INT64_MIN) return "std::numeric_limits<int64_t>::min()";
  return std::to_string(v) + (k == kind::i64 ? "LL" : "");
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Strings, bytes, arrays and structs: "null" means std::nullopt; otherwise a
// std::optional member starts engaged (Kafka's default is an empty value).
std::string nullable_init(const field& f, const std::string& d) {
  if (d == "null") {
    if (!f.optional_type()) throw std::runtime_error(f.json_name + ": null default, not nullable");
    return "";
  }
  if (f.k == kind::string && !d.empty()) {
    return f.optional_type() ? "{std::in_place, " + quote(d) + "}" : " = " + quote(d);
  }
  return f.optional_type() ? "{std::in_place}" : "";
}

} // namespace

std::string base_type(kind k, const std::string& struct_cpp) {
  switch (k) {
  case kind::i8:
    return "int8_t";
  case kind::i16:
    return "int16_t";
  case kind::u16:
    return "uint16_t";
  case kind::i32:
    return "int32_t";
  case kind::u32:
    return "uint32_t";
  case kind::i64:
    return "int64_t";
  case kind::f64:
    return "double";
  case kind::boolean:
    return "bool";
  case kind::string:
    return "std::string";
  case kind::bytes:
  case kind::records:
    return "byte_buffer";
  case kind::uuid:
    return "uuid";
  case kind::structure:
    return struct_cpp;
  case kind::array:
    break;
  }
  throw std::runtime_error("nested array type");
}

std::string cpp_type(const field& f) {
  std::string t = f.k == kind::array ? "std::vector<" + base_type(f.elem, f.struct_cpp) + ">"
                                     : base_type(f.k, f.struct_cpp);
  return f.optional_type() ? "std::optional<" + t + ">" : t;
}

std::string default_init(const field& f) {
  std::string d = default_string(f);
  switch (f.k) {
  case kind::i8:
  case kind::i16:
  case kind::u16:
  case kind::i32:
  case kind::u32:
  case kind::i64:
    return " = " + int_literal(f.k, d.empty() ? "0" : d);
  case kind::f64:
    if (d.empty()) return " = 0.0";
    return " = " + d + (d.find_first_of(".eE") == std::string::npos ? ".0" : "");
  case kind::boolean:
    return d == "true" ? " = true" : " = false";
  case kind::uuid:
    return "{}";
  case kind::records:
    return ""; // always std::optional, null by default (as in Kafka)
  default:
    return nullable_init(f, d);
  }
}

std::string prim_method(kind k) {
  switch (k) {
  case kind::i8:
    return "i8";
  case kind::i16:
    return "i16";
  case kind::u16:
    return "u16";
  case kind::i32:
    return "i32";
  case kind::u32:
    return "u32";
  case kind::i64:
    return "i64";
  case kind::f64:
    return "f64";
  case kind::boolean:
    return "boolean";
  default:
    return "";
  }
}

std::string nullable_cond(const message& m, const field& f) {
  return version_cond(m, [&](int v) { return f.nullable.contains(v); });
}

std::string present_cond(const message& m, const field& f) {
  return version_cond(m, [&](int v) { return f.versions.contains(v); });
}

std::string regular_cond(const message& m, const field& f) {
  return version_cond(m, [&](int v) {
    return f.versions.contains(v) && !(f.tagged.contains(v) && m.flexible.contains(v));
  });
}

std::string tagged_cond(const message& m, const field& f) {
  return version_cond(m, [&](int v) {
    return f.versions.contains(v) && f.tagged.contains(v) && m.flexible.contains(v);
  });
}

std::string flex_cond(const message& m) {
  return version_cond(m, [&](int v) { return m.flexible.contains(v); });
}

bool ever_tagged(const message& m, const field& f) { return tagged_cond(m, f) != "false"; }

std::string qualified(const message& m, const struct_def& s) {
  return &s == &m.top ? m.snake : m.snake + "::" + s.cpp_name;
}

} // namespace caudal::codegen
