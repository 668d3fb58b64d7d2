// Reading the Kafka JSON message definitions into the generator's model.
#include "model.h"

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace caudal::codegen {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

const std::map<std::string, kind>& primitive_kinds() {
  static const std::map<std::string, kind> kinds = {
      {"int8", kind::i8},     {"int16", kind::i16},       {"uint16", kind::u16},
      {"int32", kind::i32},   {"uint32", kind::u32},      {"int64", kind::i64},
      {"float64", kind::f64}, {"bool", kind::boolean},    {"string", kind::string},
      {"bytes", kind::bytes}, {"records", kind::records}, {"uuid", kind::uuid}};
  return kinds;
}

vrange range_of(const json& j, const char* key) {
  return j.contains(key) ? parse_range(j.at(key).get<std::string>()) : vrange{};
}

using struct_map = std::map<std::string, struct_def>;

void parse_fields(const json& arr, struct_map& defs, std::vector<field>& out);

field parse_field(const json& j, struct_map& defs) {
  field f;
  f.json_name = j.at("name").get<std::string>();
  f.name = member_name(f.json_name);
  // The member functions and the unknown-tag list own these names.
  if (f.name == "encode" || f.name == "decode" || f.name == "unknown_tags") f.name += '_';
  std::string type = j.at("type").get<std::string>();
  bool array = type.rfind("[]", 0) == 0;
  if (array) type = type.substr(2);
  auto it = primitive_kinds().find(type);
  kind base = it == primitive_kinds().end() ? kind::structure : it->second;
  if (base == kind::structure) f.struct_json = type;
  f.k = array ? kind::array : base;
  f.elem = base;
  f.versions = range_of(j, "versions");
  f.nullable = range_of(j, "nullableVersions");
  f.tagged = range_of(j, "taggedVersions");
  if (j.contains("tag")) {
    const json& t = j.at("tag"); // a few files spell the tag as a string
    f.tag = t.is_string() ? std::stoi(t.get<std::string>()) : t.get<int>();
  }
  if (!f.tagged.empty() && f.tag < 0)
    throw std::runtime_error(f.json_name + ": tagged without tag");
  if (j.contains("default")) f.dflt = j.at("default");
  if (j.contains("flexibleVersions")) {
    // Only RequestHeader.ClientId has one, and headers are hand-written.
    throw std::runtime_error(f.json_name + ": field-level flexibleVersions is not supported");
  }
  if (j.contains("fields")) {
    if (base != kind::structure) throw std::runtime_error(f.json_name + ": fields on a primitive");
    struct_def s{type, "", {}};
    parse_fields(j.at("fields"), defs, s.fields);
    if (!defs.emplace(type, std::move(s)).second) {
      throw std::runtime_error("struct " + type + " defined twice");
    }
  }
  return f;
}

void parse_fields(const json& arr, struct_map& defs, std::vector<field>& out) {
  for (const auto& j : arr) out.push_back(parse_field(j, defs));
}

// C++ names of nested types: snake_case, plus "_t" when that would clash with
// a member name anywhere in the message (a member named like its own type does
// not compile) or with the message's static members.
void resolve_names(message& m, struct_map& defs) {
  std::set<std::string> taken = {"api_key", "min_version", "max_version", "first_flexible_version",
                                 "name",    "encode",      "decode",      "unknown_tags",
                                 m.snake};
  auto collect = [&](const struct_def& s) {
    for (const auto& f : s.fields) taken.insert(f.name);
  };
  collect(m.top);
  for (const auto& [_, s] : defs) collect(s);
  for (auto& [_, s] : defs) {
    s.cpp_name = snake_case(s.json_name);
    if (taken.count(s.cpp_name)) s.cpp_name += "_t";
  }
  auto link = [&](struct_def& s) {
    for (auto& f : s.fields) {
      if (!f.is_struct()) continue;
      auto it = defs.find(f.struct_json);
      if (it == defs.end()) throw std::runtime_error("unknown type " + f.struct_json);
      f.struct_cpp = it->second.cpp_name;
    }
  };
  link(m.top);
  for (auto& [_, s] : defs) link(s);
}

// The statics of a message struct own these names; a top-level field named
// like one of them gets a trailing '_'.
void rename_top_clashes(message& m) {
  static const std::set<std::string> statics = {"api_key", "min_version", "max_version",
                                                "first_flexible_version", "name"};
  for (auto& f : m.top.fields) {
    if (statics.count(f.name)) f.name += '_';
  }
}

// Orders nested structs so every struct follows the structs it contains.
void order_structs(message& m, struct_map& defs) {
  std::set<std::string> done;
  std::function<void(const struct_def&)> visit = [&](const struct_def& s) {
    for (const auto& f : s.fields) {
      if (!f.is_struct() || done.count(f.struct_json)) continue;
      done.insert(f.struct_json);
      visit(defs.at(f.struct_json));
      m.structs.push_back(defs.at(f.struct_json));
    }
  };
  visit(m.top);
  for (const auto& [name, s] : defs) {
    if (done.insert(name).second) {
      visit(s);
      m.structs.push_back(s);
    }
  }
}

void read_listeners(message& m, const json& j) {
  if (!j.contains("listeners")) return;
  for (const auto& l : j.at("listeners")) {
    m.broker = m.broker || l == "broker";
    m.controller = m.controller || l == "controller";
  }
}

// A response has no listeners of its own: it serves where its request does.
void response_listeners(message& m, const std::string& path) {
  auto pos = path.rfind("Response.json");
  if (pos == std::string::npos) return;
  std::string req = path.substr(0, pos) + "Request.json";
  read_listeners(m, json::parse(strip_comments(read_file(req))));
}

} // namespace

bool field::optional_type() const {
  if (k == kind::records) return true;
  bool can_be_null =
      k == kind::string || k == kind::bytes || k == kind::array || k == kind::structure;
  return can_be_null && !nullable.empty();
}

// Drops // and /* */ comments outside string literals (URLs in "about" texts
// contain "//").
std::string strip_comments(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

vrange parse_range(const std::string& raw) {
  std::string s = trim(raw);
  if (s == "none" || s.empty()) return {};
  if (s.back() == '+') return {std::stoi(s.substr(0, s.size() - 1)), k_max_version};
  auto dash = s.find('-');
  if (dash == std::string::npos) return {std::stoi(s), std::stoi(s)};
  return {std::stoi(s.substr(0, dash)), std::stoi(s.substr(dash + 1))};
}

message parse_message(const std::string& path) {
  json j = json::parse(strip_comments(read_file(path)));
  message m;
  m.file = path.substr(path.find_last_of('/') + 1);
  m.json_name = j.at("name").get<std::string>();
  m.snake = snake_case(m.json_name);
  m.type = j.at("type").get<std::string>();
  if (j.contains("apiKey")) m.api_key = j.at("apiKey").get<int>();
  m.valid = range_of(j, "validVersions");
  m.flexible = range_of(j, "flexibleVersions");
  m.top.json_name = m.json_name;
  m.top.cpp_name = m.snake;
  read_listeners(m, j);
  if (m.type == "response") response_listeners(m, path);
  struct_map defs;
  if (j.contains("commonStructs")) {
    for (const auto& cs : j.at("commonStructs")) {
      struct_def s{cs.at("name").get<std::string>(), "", {}};
      parse_fields(cs.at("fields"), defs, s.fields);
      if (!defs.emplace(s.json_name, s).second)
        throw std::runtime_error("duplicate " + s.json_name);
    }
  }
  parse_fields(j.at("fields"), defs, m.top.fields);
  rename_top_clashes(m);
  resolve_names(m, defs);
  order_structs(m, defs);
  return m;
}

} // namespace caudal::codegen
