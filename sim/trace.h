#pragma once
// The event trace of one run: one line per event (virtual time, node, event).
// Every line is folded into an FNV-1a hash, printed at the end of the run: the
// same seed must give the same hash, bit for bit. Lines are only formatted to
// the output stream when tracing is on.

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace caudal::sim {

class trace_log {
public:
  explicit trace_log(std::ostream* out = nullptr) : out_(out) {}

  void add(int64_t time_ms, std::string_view node, std::string_view event) {
    std::string line = std::to_string(time_ms) + " " + std::string(node) + " " + std::string(event);
    mix_bytes(line);
    mix_bytes("\n");
    ++lines_;
    if (out_ != nullptr)
      *out_ << "[" << format_time(time_ms) << "] " << node << " " << event << "\n";
  }

  /// Folds a value into the hash without printing (e.g. scheduler steps).
  void mix(uint64_t v) {
    for (int i = 0; i < 8; ++i) mix_byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void mix_bytes(std::string_view s) {
    for (char c : s) mix_byte(static_cast<uint8_t>(c));
  }

  uint64_t hash() const { return hash_; }
  uint64_t lines() const { return lines_; }
  bool tracing() const { return out_ != nullptr; }

private:
  void mix_byte(uint8_t b) {
    hash_ ^= b;
    hash_ *= 0x100000001b3ULL; // FNV-1a 64-bit prime
  }
  static std::string format_time(int64_t ms) {
    std::string frac = std::to_string(ms % 1000);
    return std::to_string(ms / 1000) + "." + std::string(3 - frac.size(), '0') + frac + "s";
  }

  std::ostream* out_;
  uint64_t hash_ = 0xcbf29ce484222325ULL; // FNV-1a 64-bit offset basis
  uint64_t lines_ = 0;
};

} // namespace caudal::sim
