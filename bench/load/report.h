#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "bench/load/consumer.h"
#include "bench/load/options.h"
#include "bench/load/producer.h"

namespace caudal::bench {

// Summary of one histogram of nanosecond values, in microseconds.
nlohmann::json latency_json(const log_histogram& h);

nlohmann::json produce_json(const produce_result& r);
nlohmann::json consume_json(const consume_result& r);

// The whole run: the options, then a "produce" and/or "consume" section.
nlohmann::json run_json(const load_options& opts, const std::optional<produce_result>& produced,
                        const std::optional<consume_result>& consumed);

// One human-readable line per section, e.g.
// "produce: 1000000 msgs 976.6 MiB in 10.2 s = 98039 msgs/s 95.7 MiB/s | latency ms p50 ..."
std::string produce_line(const produce_result& r);
std::string consume_line(const consume_result& r, bool with_e2e);

} // namespace caudal::bench
