#include "mem_log.h"

#include <algorithm>

namespace caudal::consensus::testing {

namespace {

constexpr size_t header_size = 8 + 4 + 1 + 4;

void put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(std::span<const uint8_t> in, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[pos + static_cast<size_t>(i)];
  return v;
}

} // namespace

void encode(const entry& e, std::vector<uint8_t>& out) {
  put(out, static_cast<uint64_t>(e.offset), 8);
  put(out, static_cast<uint32_t>(e.epoch), 4);
  put(out, e.kind, 1);
  put(out, e.payload.size(), 4);
  out.insert(out.end(), e.payload.begin(), e.payload.end());
}

std::vector<uint8_t> make_batch(const std::string& payload) {
  std::vector<uint8_t> out;
  encode(entry{0, 0, 0, std::vector<uint8_t>(payload.begin(), payload.end())}, out);
  return out;
}

std::optional<std::vector<entry>> decode(std::span<const uint8_t> bytes) {
  std::vector<entry> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < header_size) return std::nullopt;
    entry e;
    e.offset = static_cast<int64_t>(get(bytes, pos, 8));
    e.epoch = static_cast<int32_t>(get(bytes, pos + 8, 4));
    e.kind = static_cast<uint8_t>(get(bytes, pos + 12, 1));
    size_t len = get(bytes, pos + 13, 4);
    pos += header_size;
    if (bytes.size() - pos < len) return std::nullopt;
    e.payload.assign(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                     bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
    out.push_back(std::move(e));
  }
  return out;
}

bool mem_log::check_fault(const char* op) {
  if (!fail_next) return true;
  fail_next = false;
  error_ = std::string("injected failure in ") + op;
  return false;
}

int32_t mem_log::last_epoch() const { return entries_.empty() ? -1 : entries_.back().epoch; }

epoch_end mem_log::end_of_epoch(int32_t epoch) const {
  // Entries' epochs never decrease: the last one <= epoch has the floor epoch.
  auto it = std::find_if(entries_.rbegin(), entries_.rend(),
                         [&](const entry& e) { return e.epoch <= epoch; });
  if (it == entries_.rend()) return {};
  int32_t floor = it->epoch;
  int64_t end = it == entries_.rbegin() ? end_offset() : std::prev(it)->offset;
  return epoch_end{floor, end};
}

const entry* mem_log::at(int64_t offset) const {
  if (offset < start_ || offset >= end_offset()) return nullptr;
  return &entries_[static_cast<size_t>(offset - start_)];
}

bool mem_log::read(int64_t offset, int32_t max_bytes, std::vector<uint8_t>& out) {
  if (offset < start_ || offset > end_offset()) {
    error_ = "read out of range";
    return false;
  }
  for (int64_t o = offset; o < end_offset(); ++o) {
    size_t before = out.size();
    encode(*at(o), out);
    if (out.size() > static_cast<size_t>(max_bytes) && o != offset) {
      out.resize(before); // whole batches only, but at least one
      break;
    }
  }
  return true;
}

bool mem_log::append_as_leader(std::span<uint8_t> batches, int32_t epoch, int64_t& base,
                               int64_t& last) {
  if (!check_fault("append_as_leader")) return false;
  auto parsed = decode(batches);
  if (!parsed || parsed->empty()) {
    error_ = "malformed batches";
    return false;
  }
  base = end_offset();
  for (auto& e : *parsed) {
    e.offset = end_offset();
    e.epoch = epoch;
    entries_.push_back(std::move(e));
  }
  last = end_offset() - 1;
  return true;
}

bool mem_log::append_leader_marker(int32_t epoch, node_id leader) {
  if (!check_fault("append_leader_marker")) return false;
  std::string p = "leader " + std::to_string(leader);
  entries_.push_back(entry{end_offset(), epoch, 1, std::vector<uint8_t>(p.begin(), p.end())});
  return true;
}

bool mem_log::append_replicated(std::span<const uint8_t> batches) {
  if (!check_fault("append_replicated")) return false;
  auto parsed = decode(batches);
  if (!parsed) {
    error_ = "malformed batches";
    return false;
  }
  for (auto& e : *parsed) {
    if (e.offset != end_offset() || e.epoch < last_epoch()) {
      error_ = "non-contiguous replicated append at " + std::to_string(e.offset);
      return false;
    }
    entries_.push_back(std::move(e));
  }
  return true;
}

bool mem_log::truncate_to(int64_t offset) {
  if (!check_fault("truncate_to")) return false;
  if (offset < start_) {
    error_ = "truncate below start";
    return false;
  }
  if (offset < end_offset()) entries_.resize(static_cast<size_t>(offset - start_));
  flushed_ = std::min(flushed_, end_offset()); // truncation is durable here
  return true;
}

bool mem_log::reset_to(int64_t offset) {
  if (!check_fault("reset_to")) return false;
  entries_.clear();
  start_ = offset;
  flushed_ = offset;
  return true;
}

bool mem_log::flush() {
  if (!check_fault("flush")) return false;
  flushed_ = end_offset();
  ++flushes;
  return true;
}

void mem_log::crash() {
  if (flushed_ < end_offset()) entries_.resize(static_cast<size_t>(flushed_ - start_));
}

} // namespace caudal::consensus::testing
