#include "bench/load/report.h"

#include <fmt/format.h>

namespace caudal::bench {

namespace {

constexpr double mib = 1024.0 * 1024.0;

double seconds(std::int64_t start_ns, std::int64_t end_ns) {
  return end_ns > start_ns ? static_cast<double>(end_ns - start_ns) / 1e9 : 0.0;
}

double per_second(double amount, double secs) { return secs > 0 ? amount / secs : 0.0; }

double us(std::int64_t ns) { return static_cast<double>(ns) / 1e3; }
double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

nlohmann::json throughput_json(std::uint64_t messages, std::uint64_t bytes, double secs) {
  return {{"messages", messages},
          {"bytes", bytes},
          {"elapsed_s", secs},
          {"msgs_per_s", per_second(static_cast<double>(messages), secs)},
          {"mib_per_s", per_second(static_cast<double>(bytes) / mib, secs)}};
}

std::string throughput_text(std::uint64_t messages, std::uint64_t bytes, double secs) {
  return fmt::format("{} msgs {:.1f} MiB in {:.2f} s = {:.0f} msgs/s {:.2f} MiB/s", messages,
                     static_cast<double>(bytes) / mib, secs,
                     per_second(static_cast<double>(messages), secs),
                     per_second(static_cast<double>(bytes) / mib, secs));
}

std::string latency_text(const char* what, const log_histogram& h) {
  return fmt::format("{} ms p50 {:.3f} p99 {:.3f} p99.9 {:.3f} max {:.3f}", what,
                     ms(h.quantile(0.50)), ms(h.quantile(0.99)), ms(h.quantile(0.999)),
                     ms(h.max()));
}

} // namespace

nlohmann::json latency_json(const log_histogram& h) {
  return {{"count", h.count()},
          {"mean_us", h.mean() / 1e3},
          {"min_us", us(h.min())},
          {"p50_us", us(h.quantile(0.50))},
          {"p99_us", us(h.quantile(0.99))},
          {"p999_us", us(h.quantile(0.999))},
          {"max_us", us(h.max())}};
}

nlohmann::json produce_json(const produce_result& r) {
  nlohmann::json j = throughput_json(r.delivered, r.bytes, seconds(r.start_ns, r.end_ns));
  j["attempted"] = r.attempted;
  j["failed"] = r.failed;
  j["complete"] = r.complete;
  j["first_error"] = r.first_error;
  j["latency"] = latency_json(r.latency_ns);
  return j;
}

nlohmann::json consume_json(const consume_result& r) {
  nlohmann::json j = throughput_json(r.messages, r.bytes, seconds(r.start_ns, r.end_ns));
  j["errors"] = r.errors;
  j["unstamped"] = r.foreign;
  j["complete"] = r.complete;
  j["first_error"] = r.first_error;
  j["e2e_latency"] = latency_json(r.e2e_ns);
  return j;
}

nlohmann::json run_json(const load_options& opts, const std::optional<produce_result>& produced,
                        const std::optional<consume_result>& consumed) {
  nlohmann::json j = {{"mode", to_string(opts.mode)},
                      {"brokers", opts.brokers},
                      {"topic", opts.topic},
                      {"size", opts.size},
                      {"acks", opts.acks},
                      {"producers", opts.producers},
                      {"linger_ms", opts.linger_ms},
                      {"batch_bytes", opts.batch_bytes},
                      {"compression", opts.compression},
                      {"partitions", opts.partitions},
                      {"rate", opts.rate}};
  if (produced) j["produce"] = produce_json(*produced);
  if (consumed) j["consume"] = consume_json(*consumed);
  return j;
}

std::string produce_line(const produce_result& r) {
  std::string line =
      "produce: " + throughput_text(r.delivered, r.bytes, seconds(r.start_ns, r.end_ns));
  line += " | " + latency_text("latency", r.latency_ns);
  line += fmt::format(" | failed {}", r.failed);
  if (!r.first_error.empty()) line += " (" + r.first_error + ")";
  if (!r.complete) line += " | INCOMPLETE";
  return line;
}

std::string consume_line(const consume_result& r, bool with_e2e) {
  std::string line =
      "consume: " + throughput_text(r.messages, r.bytes, seconds(r.start_ns, r.end_ns));
  if (with_e2e) line += " | " + latency_text("end-to-end", r.e2e_ns);
  line += fmt::format(" | errors {}", r.errors);
  if (!r.first_error.empty()) line += " (" + r.first_error + ")";
  if (!r.complete) line += " | INCOMPLETE";
  return line;
}

} // namespace caudal::bench
