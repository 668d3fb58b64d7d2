#include "protocol/messages_support.h"

namespace caudal::protocol::wire {
namespace {

// Reads a string/bytes length: -1 is null, anything below is malformed, and
// a length beyond the remaining input fails before any allocation.
int64_t read_len(reader& r, bool flex, bool wide) {
  int64_t n;
  if (flex) {
    n = static_cast<int64_t>(r.uvarint32()) - 1;
  } else {
    n = wide ? r.i32() : r.i16();
  }
  if (!r.ok() || n < -1 || (n > 0 && static_cast<uint64_t>(n) > r.remaining())) {
    r.fail();
    return 0;
  }
  return n;
}

void write_len(writer& w, int64_t n, bool flex, bool wide) {
  if (flex) {
    w.uvarint(static_cast<uint64_t>(n + 1));
  } else if (wide) {
    w.i32(static_cast<int32_t>(n));
  } else {
    w.i16(static_cast<int16_t>(n));
  }
}

} // namespace

void write_string(writer& w, const std::string& s, bool flex) {
  write_len(w, static_cast<int64_t>(s.size()), flex, false);
  w.raw(std::string_view(s));
}

void write_string_opt(writer& w, const std::optional<std::string>& s, bool flex, bool nullable) {
  if (s) {
    write_string(w, *s, flex);
  } else {
    write_len(w, nullable ? -1 : 0, flex, false);
  }
}

void read_string(reader& r, bool flex, std::string& out) {
  int64_t n = read_len(r, flex, false);
  if (n < 0) {
    r.fail();
    return;
  }
  auto s = r.take(static_cast<size_t>(n));
  out.assign(s.begin(), s.end());
}

void read_string_opt(reader& r, bool flex, bool nullable, std::optional<std::string>& out) {
  int64_t n = read_len(r, flex, false);
  if (n < 0) {
    if (!nullable) r.fail();
    out.reset();
    return;
  }
  auto s = r.take(static_cast<size_t>(n));
  out.emplace(s.begin(), s.end());
}

void write_bytes(writer& w, const byte_buffer& b, bool flex) {
  write_len(w, static_cast<int64_t>(b.size()), flex, true);
  w.raw(std::span<const uint8_t>(b));
}

void write_bytes_opt(writer& w, const std::optional<byte_buffer>& b, bool flex, bool nullable) {
  if (b) {
    write_bytes(w, *b, flex);
  } else {
    write_len(w, nullable ? -1 : 0, flex, true);
  }
}

void read_bytes(reader& r, bool flex, byte_buffer& out) {
  int64_t n = read_len(r, flex, true);
  if (n < 0) {
    r.fail();
    return;
  }
  auto s = r.take(static_cast<size_t>(n));
  out.assign(s.begin(), s.end());
}

void read_bytes_opt(reader& r, bool flex, bool nullable, std::optional<byte_buffer>& out) {
  int64_t n = read_len(r, flex, true);
  if (n < 0) {
    if (!nullable) r.fail();
    out.reset();
    return;
  }
  auto s = r.take(static_cast<size_t>(n));
  out.emplace(s.begin(), s.end());
}

void write_array_len(writer& w, size_t n, bool flex) {
  write_len(w, static_cast<int64_t>(n), flex, true);
}

void write_null_array(writer& w, bool flex, bool nullable) {
  write_len(w, nullable ? -1 : 0, flex, true);
}

int32_t read_array_len(reader& r, bool flex) {
  return static_cast<int32_t>(read_len(r, flex, true));
}

void write_uuid(writer& w, const uuid& u) { w.raw(std::span<const uint8_t>(u)); }

uuid read_uuid(reader& r) {
  uuid u{};
  auto s = r.take(u.size());
  if (s.size() == u.size()) std::copy(s.begin(), s.end(), u.begin());
  return u;
}

void write_unknown_tags_below(writer& w, const std::vector<tagged_field>& tags, size_t& from,
                              uint64_t below) {
  for (; from < tags.size() && tags[from].tag < below; ++from) {
    write_tagged(w, tags[from].tag, tags[from].data);
  }
}

void write_tagged(writer& w, uint32_t tag, const byte_buffer& data) {
  w.uvarint(tag);
  w.uvarint(data.size());
  w.raw(std::span<const uint8_t>(data));
}

bool read_tag(reader& r, uint32_t& tag, std::span<const uint8_t>& data) {
  tag = r.uvarint32();
  uint32_t size = r.uvarint32();
  data = r.take(size);
  return r.ok();
}

} // namespace caudal::protocol::wire
