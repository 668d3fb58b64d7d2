#include "bench/load/options.h"

namespace caudal::bench {

const char* to_string(load_mode mode) {
  switch (mode) {
  case load_mode::produce:
    return "produce";
  case load_mode::consume:
    return "consume";
  case load_mode::both:
    return "both";
  }
  return "?";
}

std::string validate(const load_options& opts) {
  const bool produces = opts.mode != load_mode::consume;
  if (produces && opts.messages == 0 && opts.duration_s <= 0)
    return "producing needs --messages N or --duration-s S";
  if (opts.producers < 1) return "--producers must be at least 1";
  if (produces && opts.messages > 0 && opts.messages < static_cast<std::uint64_t>(opts.producers))
    return "--messages must be at least --producers";
  if (opts.size < 16) return "--size must be at least 16 (the timestamp header)";
  if (opts.partitions < 1) return "--partitions must be at least 1";
  if (opts.replication_factor < 1) return "--replication-factor must be at least 1";
  if (opts.acks != "0" && opts.acks != "1" && opts.acks != "-1" && opts.acks != "all")
    return "--acks must be 0, 1, -1 or all";
  if (opts.mode == load_mode::both && !opts.group.empty())
    return "--group is for consume mode; both mode follows partitions without a group";
  if (opts.rate < 0) return "--rate must not be negative";
  if (opts.timeout_s <= 0) return "--timeout-s must be positive";
  for (const auto& kv : opts.extra_conf)
    if (kv.find('=') == std::string::npos) return "-X expects key=value, got '" + kv + "'";
  return "";
}

} // namespace caudal::bench
