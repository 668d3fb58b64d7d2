// Emits the message header (struct declarations) and source (encode/decode).
#include "emit_common.h"

#include <algorithm>

namespace caudal::codegen {
namespace {

void emit_struct_decl(code& c, const message& m, const struct_def& s, int ind, bool top) {
  c.line(ind, "struct " + s.cpp_name + " {");
  if (top) {
    c.line(ind + 1, "static constexpr int16_t api_key = " + std::to_string(m.api_key) + ";");
    c.line(ind + 1, "static constexpr int16_t min_version = " + std::to_string(m.valid.lo) + ";");
    c.line(ind + 1, "static constexpr int16_t max_version = " + std::to_string(m.valid.hi) + ";");
    c.line(ind + 1, "static constexpr int16_t first_flexible_version = " +
                        std::to_string(m.first_flexible()) + ";");
    c.line(ind + 1, "static constexpr const char* name = \"" + m.json_name + "\";");
    c.line(0, "");
    for (const auto& n : m.structs) emit_struct_decl(c, m, n, ind + 1, false);
  }
  for (const auto& f : s.fields) {
    c.line(ind + 1, cpp_type(f) + " " + f.name + default_init(f) + ";");
  }
  c.line(ind + 1, "std::vector<tagged_field> unknown_tags;");
  c.line(0, "");
  c.line(ind + 1, "void encode(writer& w, int16_t version) const;");
  c.line(ind + 1, "void decode(reader& r, int16_t version);");
  c.line(ind + 1, "bool operator==(const " + s.cpp_name + "&) const = default;");
  c.line(ind, "};");
  if (!top) c.line(0, "");
}

// ---- encode -------------------------------------------------------------

void emit_write_elem(code& c, const field& f, const std::string& e, const std::string& w,
                     const std::string& flex, int ind) {
  std::string pm = prim_method(f.elem);
  if (!pm.empty()) {
    c.line(ind, w + "." + pm + "(" + e + ");");
  } else if (f.elem == kind::string) {
    c.line(ind, "wire::write_string(" + w + ", " + e + ", " + flex + ");");
  } else if (f.elem == kind::uuid) {
    c.line(ind, "wire::write_uuid(" + w + ", " + e + ");");
  } else {
    c.line(ind, e + ".encode(" + w + ", version);");
  }
}

void emit_write_array(code& c, const message& m, const field& f, const std::string& x,
                      const std::string& w, const std::string& flex, int ind) {
  std::string v = x;
  if (f.optional_type()) {
    c.line(ind, "if (!" + x + ") {");
    c.line(ind + 1,
           "wire::write_null_array(" + w + ", " + flex + ", " + nullable_cond(m, f) + ");");
    c.line(ind, "} else {");
    v = "(*" + x + ")";
    ++ind;
  }
  c.line(ind, "wire::write_array_len(" + w + ", " + v + ".size(), " + flex + ");");
  c.line(ind, "for (const auto& e : " + v + ") {");
  emit_write_elem(c, f, "e", w, flex, ind + 1);
  c.line(ind, "}");
  if (f.optional_type()) c.line(ind - 1, "}");
}

// A nullable struct is prefixed by an int8 marker (-1 null, 1 present); in a
// version where it is not nullable a null is written as the default struct.
void emit_write_struct(code& c, const message& m, const field& f, const std::string& x,
                       const std::string& w, int ind) {
  if (!f.optional_type()) {
    c.line(ind, x + ".encode(" + w + ", version);");
    return;
  }
  std::string nc = nullable_cond(m, f);
  std::string marker = "wire::write_struct_marker(" + w + ", " + x + ".has_value());";
  if (nc == "true") {
    c.line(ind, marker);
  } else if (nc != "false") {
    c.line(ind, "if (" + nc + ") " + marker);
  }
  c.line(ind, "if (" + x + ") {");
  c.line(ind + 1, x + "->encode(" + w + ", version);");
  if (nc != "true") {
    c.line(ind, "} else" + (nc == "false" ? std::string(" {") : " if (!(" + nc + ")) {"));
    c.line(ind + 1, f.struct_cpp + "{}.encode(" + w + ", version);");
  }
  c.line(ind, "}");
}

void emit_write(code& c, const message& m, const field& f, const std::string& x,
                const std::string& w, const std::string& flex, int ind) {
  std::string pm = prim_method(f.k);
  if (!pm.empty()) return void(c.line(ind, w + "." + pm + "(" + x + ");"));
  switch (f.k) {
  case kind::string:
    if (f.optional_type()) {
      c.line(ind, "wire::write_string_opt(" + w + ", " + x + ", " + flex + ", " +
                      nullable_cond(m, f) + ");");
    } else {
      c.line(ind, "wire::write_string(" + w + ", " + x + ", " + flex + ");");
    }
    break;
  case kind::bytes:
  case kind::records:
    if (f.optional_type()) {
      c.line(ind, "wire::write_bytes_opt(" + w + ", " + x + ", " + flex + ", " +
                      nullable_cond(m, f) + ");");
    } else {
      c.line(ind, "wire::write_bytes(" + w + ", " + x + ", " + flex + ");");
    }
    break;
  case kind::uuid:
    c.line(ind, "wire::write_uuid(" + w + ", " + x + ");");
    break;
  case kind::array:
    emit_write_array(c, m, f, x, w, flex, ind);
    break;
  default:
    emit_write_struct(c, m, f, x, w, ind);
    break;
  }
}

std::vector<const field*> tagged_fields(const message& m, const struct_def& s) {
  std::vector<const field*> out;
  for (const auto& f : s.fields) {
    if (ever_tagged(m, f)) out.push_back(&f);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->tag < b->tag; });
  return out;
}

// Known tagged fields go out only when they differ from their default, merged
// with the unknown tags in ascending tag order.
void emit_encode_tags(code& c, const message& m, const struct_def& s) {
  auto tagged = tagged_fields(m, s);
  c.line(1, "if (flex) {");
  c.line(2, "size_t count = unknown_tags.size();");
  if (!tagged.empty()) c.line(2, "const " + s.cpp_name + " dflt{};");
  for (const auto* f : tagged) {
    c.line(2, "const bool has_" + f->name + " = (" + tagged_cond(m, *f) + ") && this->" + f->name +
                  " != dflt." + f->name + ";");
    c.line(2, "count += has_" + f->name + " ? 1 : 0;");
  }
  c.line(2, "w.uvarint(count);");
  c.line(2, "size_t next = 0;");
  for (const auto* f : tagged) {
    std::string tag = std::to_string(f->tag);
    c.line(2, "if (has_" + f->name + ") {");
    c.line(3, "wire::write_unknown_tags_below(w, unknown_tags, next, " + tag + ");");
    c.line(3, "byte_buffer buf;");
    c.line(3, "writer tw(buf);");
    emit_write(c, m, *f, "this->" + f->name, "tw", "true", 3);
    c.line(3, "wire::write_tagged(w, " + tag + ", buf);");
    c.line(2, "}");
  }
  c.line(2, "wire::write_unknown_tags_below(w, unknown_tags, next, UINT64_MAX);");
  c.line(1, "}");
}

void emit_encode(code& c, const message& m, const struct_def& s) {
  c.line(0, "void " + qualified(m, s) +
                "::encode(writer& w, [[maybe_unused]] int16_t version) const {");
  c.line(1, "[[maybe_unused]] const bool flex = " + flex_cond(m) + ";");
  for (const auto& f : s.fields) {
    std::string cond = regular_cond(m, f);
    if (cond == "false") continue;
    if (cond == "true") {
      emit_write(c, m, f, "this->" + f.name, "w", "flex", 1);
    } else {
      c.line(1, "if (" + cond + ") {");
      emit_write(c, m, f, "this->" + f.name, "w", "flex", 2);
      c.line(1, "}");
    }
  }
  if (flex_cond(m) != "false") emit_encode_tags(c, m, s);
  c.line(0, "}");
  c.line(0, "");
}

// ---- decode -------------------------------------------------------------

void emit_read_elem(code& c, const field& f, const std::string& v, const std::string& r,
                    const std::string& flex, int ind) {
  std::string pm = prim_method(f.elem);
  if (!pm.empty()) {
    c.line(ind, v + ".push_back(" + r + "." + pm + "());");
  } else if (f.elem == kind::string) {
    c.line(ind, "wire::read_string(" + r + ", " + flex + ", " + v + ".emplace_back());");
  } else if (f.elem == kind::uuid) {
    c.line(ind, v + ".push_back(wire::read_uuid(" + r + "));");
  } else {
    c.line(ind, v + ".emplace_back().decode(" + r + ", version);");
  }
}

void emit_read_array(code& c, const message& m, const field& f, const std::string& x,
                     const std::string& r, const std::string& flex, int ind) {
  c.line(ind, "{");
  c.line(ind + 1, "const int32_t n = wire::read_array_len(" + r + ", " + flex + ");");
  c.line(ind + 1, "if (n < 0) {");
  if (f.optional_type()) {
    c.line(ind + 2, x + ".reset();");
    c.line(ind + 2, "if (!(" + nullable_cond(m, f) + ")) " + r + ".fail();");
  } else {
    c.line(ind + 2, r + ".fail();");
  }
  c.line(ind + 1, "} else {");
  std::string v = f.optional_type() ? "caudal::protocol::wire::engage(" + x + ")" : x;
  c.line(ind + 2, "auto& v = " + v + ";");
  c.line(ind + 2, "v.clear();");
  c.line(ind + 2, "v.reserve(static_cast<size_t>(std::min(n, 1024)));");
  c.line(ind + 2, "for (int32_t i = 0; i < n && " + r + ".ok(); ++i) {");
  emit_read_elem(c, f, "v", r, flex, ind + 3);
  c.line(ind + 2, "}");
  c.line(ind + 1, "}");
  c.line(ind, "}");
}

void emit_read_struct(code& c, const message& m, const field& f, const std::string& x,
                      const std::string& r, int ind) {
  std::string nc = f.optional_type() ? nullable_cond(m, f) : "false";
  if (nc == "false") {
    std::string target = f.optional_type() ? "caudal::protocol::wire::engage(" + x + ")" : x;
    c.line(ind, target + ".decode(" + r + ", version);");
    return;
  }
  std::string marker = "wire::read_struct_marker(" + r + ")";
  c.line(ind, "if (" + (nc == "true" ? marker : "!(" + nc + ") || " + marker) + ") {");
  c.line(ind + 1, "caudal::protocol::wire::engage(" + x + ").decode(" + r + ", version);");
  c.line(ind, "} else {");
  c.line(ind + 1, x + ".reset();");
  c.line(ind, "}");
}

void emit_read(code& c, const message& m, const field& f, const std::string& x,
               const std::string& r, const std::string& flex, int ind) {
  std::string pm = prim_method(f.k);
  if (!pm.empty()) return void(c.line(ind, x + " = " + r + "." + pm + "();"));
  std::string nc = f.optional_type() ? nullable_cond(m, f) : "";
  switch (f.k) {
  case kind::string:
    if (f.optional_type()) {
      c.line(ind, "wire::read_string_opt(" + r + ", " + flex + ", " + nc + ", " + x + ");");
    } else {
      c.line(ind, "wire::read_string(" + r + ", " + flex + ", " + x + ");");
    }
    break;
  case kind::bytes:
  case kind::records:
    if (f.optional_type()) {
      c.line(ind, "wire::read_bytes_opt(" + r + ", " + flex + ", " + nc + ", " + x + ");");
    } else {
      c.line(ind, "wire::read_bytes(" + r + ", " + flex + ", " + x + ");");
    }
    break;
  case kind::uuid:
    c.line(ind, x + " = wire::read_uuid(" + r + ");");
    break;
  case kind::array:
    emit_read_array(c, m, f, x, r, flex, ind);
    break;
  default:
    emit_read_struct(c, m, f, x, r, ind);
    break;
  }
}

// Unknown tags are kept in arrival order; a known tag must fill its payload
// exactly.
void emit_decode_tags(code& c, const message& m, const struct_def& s) {
  auto tagged = tagged_fields(m, s);
  c.line(1, "if (flex) {");
  c.line(2, "unknown_tags.clear();");
  c.line(2, "const uint32_t count = r.uvarint32();");
  c.line(2, "for (uint32_t i = 0; i < count && r.ok(); ++i) {");
  c.line(3, "uint32_t tag = 0;");
  c.line(3, "std::span<const uint8_t> data;");
  c.line(3, "if (!wire::read_tag(r, tag, data)) break;");
  std::string prefix = "";
  for (const auto* f : tagged) {
    c.line(3,
           prefix + "if (tag == " + std::to_string(f->tag) + " && (" + tagged_cond(m, *f) + ")) {");
    c.line(4, "reader tr(data);");
    emit_read(c, m, *f, "this->" + f->name, "tr", "true", 4);
    c.line(4, "wire::finish_tag(r, tr);");
    prefix = "} else ";
  }
  if (tagged.empty()) {
    c.line(3, "unknown_tags.push_back({tag, byte_buffer(data.begin(), data.end())});");
  } else {
    c.line(3, "} else {");
    c.line(4, "unknown_tags.push_back({tag, byte_buffer(data.begin(), data.end())});");
    c.line(3, "}");
  }
  c.line(2, "}");
  c.line(1, "}");
}

void emit_decode(code& c, const message& m, const struct_def& s, bool top) {
  c.line(0, "void " + qualified(m, s) + "::decode(reader& r, [[maybe_unused]] int16_t version) {");
  if (top) {
    c.line(1, "if (version < min_version || version > max_version) {");
    c.line(2, "r.fail();");
    c.line(2, "return;");
    c.line(1, "}");
  }
  c.line(1, "[[maybe_unused]] const bool flex = " + flex_cond(m) + ";");
  for (const auto& f : s.fields) {
    std::string cond = regular_cond(m, f);
    if (cond == "false") continue;
    if (cond == "true") {
      emit_read(c, m, f, "this->" + f.name, "r", "flex", 1);
    } else {
      c.line(1, "if (" + cond + ") {");
      emit_read(c, m, f, "this->" + f.name, "r", "flex", 2);
      c.line(1, "}");
    }
  }
  if (flex_cond(m) != "false") emit_decode_tags(c, m, s);
  c.line(0, "}");
  c.line(0, "");
}

} // namespace

std::string emit_header(const message& m) {
  code c;
  c.line(0, "#pragma once");
  c.line(0, "// Generated by kafka_codegen from " + m.file + ". Do not edit.");
  c.line(0, "");
  c.line(0, "#include \"protocol/messages_support.h\"");
  c.line(0, "");
  c.line(0, "namespace caudal::protocol::msg {");
  c.line(0, "");
  emit_struct_decl(c, m, m.top, 0, true);
  c.line(0, "");
  c.line(0, "} // namespace caudal::protocol::msg");
  return c.str();
}

std::string emit_source(const message& m) {
  code c;
  c.line(0, "// Generated by kafka_codegen from " + m.file + ". Do not edit.");
  c.line(0, "#include \"protocol/messages/" + m.snake + ".h\"");
  c.line(0, "");
  c.line(0, "#include <algorithm>");
  c.line(0, "");
  c.line(0, "namespace caudal::protocol::msg {");
  c.line(0, "");
  for (const auto& s : m.structs) {
    emit_encode(c, m, s);
    emit_decode(c, m, s, false);
  }
  emit_encode(c, m, m.top);
  emit_decode(c, m, m.top, true);
  c.line(0, "} // namespace caudal::protocol::msg");
  return c.str();
}

} // namespace caudal::codegen
