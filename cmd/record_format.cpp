#include "cmd/record_format.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace caudal::cmd {
namespace {

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string headers_text(const record_view& rec) {
  std::string out;
  for (const auto& [k, v] : rec.headers) {
    if (!out.empty()) out += ',';
    out.append(k);
    out += '=';
    if (v) out.append(*v);
  }
  return out;
}

std::string length_text(const std::optional<std::string_view>& s) {
  return s ? std::to_string(s->size()) : "-1";
}

// Appends the expansion of the directive `c` (the character after '%'); false if unknown.
bool expand(char c, const record_view& rec, std::string& out) {
  switch (c) {
  case 't':
    out.append(rec.topic);
    return true;
  case 'p':
    out += std::to_string(rec.partition);
    return true;
  case 'o':
    out += std::to_string(rec.offset);
    return true;
  case 'T':
    out += std::to_string(rec.timestamp);
    return true;
  case 'k':
    if (rec.key) out.append(*rec.key);
    return true;
  case 'v':
    if (rec.value) out.append(*rec.value);
    return true;
  case 'K':
    out += length_text(rec.key);
    return true;
  case 'S':
    out += length_text(rec.value);
    return true;
  case 'h':
    out += headers_text(rec);
    return true;
  case '%':
    out += '%';
    return true;
  default:
    return false;
  }
}

char unescape(char c) {
  switch (c) {
  case 'n':
    return '\n';
  case 't':
    return '\t';
  case 'r':
    return '\r';
  case '0':
    return '\0';
  default:
    return c; // covers "\\"
  }
}

// Writes `name` (and `name_encoding` when needed) so that arbitrary bytes survive JSON.
void put_bytes(nlohmann::ordered_json& obj, const std::string& name,
               const std::optional<std::string_view>& bytes) {
  if (!bytes) {
    obj[name] = nullptr;
  } else if (is_valid_utf8(*bytes)) {
    obj[name] = std::string{*bytes};
  } else {
    obj[name] = base64_encode(*bytes);
    obj[name + "_encoding"] = "base64";
  }
}

size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0; // continuation byte, overlong 2-byte lead (C0/C1) or beyond U+10FFFF
}

} // namespace

input_record split_record(std::string_view line, std::string_view separator) {
  auto pos = separator.empty() ? std::string_view::npos : line.find(separator);
  if (pos == std::string_view::npos) return {std::nullopt, std::string{line}};
  return {std::string{line.substr(0, pos)}, std::string{line.substr(pos + separator.size())}};
}

std::optional<offset_spec> parse_offset_spec(std::string_view text) {
  using k = offset_spec::kind;
  if (text == "beginning" || text == "earliest" || text == "start")
    return offset_spec{k::beginning, 0};
  if (text == "end" || text == "latest") return offset_spec{k::end, 0};
  auto n = parse_int(text.starts_with('+') ? text.substr(1) : text);
  if (!n) return std::nullopt;
  if (text.starts_with('-')) return offset_spec{k::from_end, -*n};
  return offset_spec{k::absolute, *n};
}

std::string format_record(std::string_view format, const record_view& rec) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    bool has_next = i + 1 < format.size();
    if (c == '%' && has_next && expand(format[i + 1], rec, out)) {
      ++i;
    } else if (c == '\\' && has_next) {
      out += unescape(format[++i]);
    } else {
      out += c;
    }
  }
  out += '\n';
  return out;
}

std::string format_json(const record_view& rec) {
  nlohmann::ordered_json obj;
  obj["topic"] = std::string{rec.topic};
  obj["partition"] = rec.partition;
  obj["offset"] = rec.offset;
  obj["timestamp"] = rec.timestamp;
  put_bytes(obj, "key", rec.key);
  put_bytes(obj, "value", rec.value);
  auto headers = nlohmann::ordered_json::array();
  for (const auto& [k, v] : rec.headers) {
    nlohmann::ordered_json h;
    put_bytes(h, "key", k);
    put_bytes(h, "value", v);
    headers.push_back(std::move(h));
  }
  obj["headers"] = std::move(headers);
  return obj.dump();
}

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t len = utf8_sequence_length(lead);
    if (len == 0 || i + len > text.size()) return false;
    for (size_t j = 1; j < len; ++j) {
      if ((static_cast<unsigned char>(text[i + j]) & 0xC0) != 0x80) return false;
    }
    if (len >= 3) {
      auto second = static_cast<unsigned char>(text[i + 1]);
      if (lead == 0xE0 && second < 0xA0) return false;  // overlong
      if (lead == 0xED && second >= 0xA0) return false; // UTF-16 surrogate
      if (lead == 0xF0 && second < 0x90) return false;  // overlong
      if (lead == 0xF4 && second >= 0x90) return false; // > U+10FFFF
    }
    i += len;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      chunk |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(chunk >> 18) & 63];
    out += alphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? alphabet[chunk & 63] : '=';
  }
  return out;
}

} // namespace caudal::cmd
