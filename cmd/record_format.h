#pragma once
// Pure text handling of records for `caudal produce` and `caudal consume`: splitting input
// lines, parsing offset specs, rendering records with a format string or as JSON. No
// librdkafka here, so the rules are unit-tested directly (tests/cli).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caudal::cmd {

/// A record read from the input: key is nullopt when the line has no separator.
struct input_record {
  std::optional<std::string> key;
  std::string value;
};

/// Splits `line` at the first `separator` into key and value; an empty separator or a
/// line without it yields a value-only record.
input_record split_record(std::string_view line, std::string_view separator);

/// Where `consume` starts reading a partition.
struct offset_spec {
  enum class kind { beginning, end, absolute, from_end };
  kind where = kind::end;
  int64_t value = 0; ///< the offset (absolute) or how many records back from the end (from_end)
};

/// Parses "beginning", "end", "N" (absolute) or "-N" (N records before the end).
std::optional<offset_spec> parse_offset_spec(std::string_view text);

/// A consumed record, as the formatters see it.
struct record_view {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = -1;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
};

/// Renders `rec` by `format`: %t topic, %p partition, %o offset, %T timestamp (ms), %k key,
/// %v value, %K key length, %S value length (-1 when null), %h headers as k=v joined by ',',
/// %% a percent sign; \n, \t, \\ escapes. A newline follows each record. Unknown %x
/// sequences are copied as they are.
std::string format_record(std::string_view format, const record_view& rec);

/// One JSON object (no newline) with topic, partition, offset, timestamp, key, value and
/// headers. Keys/values that are not valid UTF-8 are base64-encoded and flagged by
/// "key_encoding"/"value_encoding": "base64" (headers: "encoding"), so output is lossless.
std::string format_json(const record_view& rec);

/// True if `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);

} // namespace caudal::cmd
