#pragma once
// The generator's in-memory model of Kafka message definitions: what the
// JSON says, already normalised into version ranges, C++ names and kinds.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace caudal::codegen {

using json = nlohmann::json;

constexpr int k_max_version = 32767;

/// An inclusive version range; lo > hi means "none".
struct vrange {
  int lo = 1;
  int hi = 0;
  bool empty() const { return lo > hi; }
  bool contains(int v) const { return v >= lo && v <= hi; }
};

enum class kind {
  i8,
  i16,
  u16,
  i32,
  u32,
  i64,
  f64,
  boolean,
  string,
  bytes,
  records,
  uuid,
  array,
  structure
};

struct field {
  std::string json_name;
  std::string name; // C++ member name
  kind k = kind::i8;
  kind elem = kind::i8;    // element kind when k == array
  std::string struct_json; // struct type (JSON name) for struct fields / struct arrays
  std::string struct_cpp;  // its C++ name, resolved after parsing
  vrange versions, nullable, tagged;
  int tag = -1;
  std::optional<json> dflt;

  /// Whether the C++ member is a std::optional.
  bool optional_type() const;
  bool is_struct() const {
    return k == kind::structure || (k == kind::array && elem == kind::structure);
  }
};

struct struct_def {
  std::string json_name;
  std::string cpp_name;
  std::vector<field> fields;
};

struct message {
  std::string file;
  std::string json_name;
  std::string snake;
  std::string type; // request, response, data
  int api_key = -1;
  vrange valid, flexible;
  bool broker = false, controller = false;
  std::vector<struct_def> structs; // nested structs, dependencies first
  struct_def top;

  int first_flexible() const { return flexible.empty() ? k_max_version : flexible.lo; }
};

// naming.cpp
std::string snake_case(const std::string& camel);
std::string member_name(const std::string& json_name);

// parse.cpp
std::string strip_comments(const std::string& text);
vrange parse_range(const std::string& s);
message parse_message(const std::string& path);

// emit_*.cpp
std::string emit_header(const message& m);
std::string emit_source(const message& m);
std::string emit_fill(const std::vector<const message*>& chunk);
std::string emit_fill_header(const std::vector<message>& all);
std::string emit_registry(const std::vector<message>& all);
std::string emit_umbrella(const std::vector<message>& all);
std::string emit_api_table(const std::vector<message>& all);

/// A boolean C++ expression over `version` that is true exactly for the
/// versions v in m.valid with pred(v).
template <class Pred>
std::string version_cond(const message& m, Pred pred);

} // namespace caudal::codegen

#include "version_cond.inl"
