#pragma once
// Small helpers shared by the emitters: C++ spellings of field types,
// defaults and version conditions.

#include "model.h"

#include <sstream>
#include <string>

namespace caudal::codegen {

/// Accumulates generated source text with indentation.
class code {
public:
  code& line(int indent, const std::string& text) {
    out_ << std::string(static_cast<size_t>(indent) * 2, ' ') << text << '\n';
    return *this;
  }
  code& raw(const std::string& text) {
    out_ << text;
    return *this;
  }
  std::string str() const { return out_.str(); }

private:
  std::ostringstream out_;
};

std::string base_type(kind k, const std::string& struct_cpp);
std::string cpp_type(const field& f);
/// The member initialiser (" = -1", "{std::in_place}", ...) or "" for none.
std::string default_init(const field& f);
/// reader/writer method for a fixed-size primitive, or "" if not one.
std::string prim_method(kind k);

std::string nullable_cond(const message& m, const field& f);
std::string present_cond(const message& m, const field& f);
std::string regular_cond(const message& m, const field& f);
std::string tagged_cond(const message& m, const field& f);
/// "version >= N" for the flexible versions, "false" if none.
std::string flex_cond(const message& m);
/// Whether the field is ever a tagged field in a flexible version.
bool ever_tagged(const message& m, const field& f);
/// Qualified C++ name of a struct of the message ("produce_request::topic_produce_data").
std::string qualified(const message& m, const struct_def& s);

} // namespace caudal::codegen
