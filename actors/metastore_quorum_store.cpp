#include "actors/metastore_quorum_store.h"

#include <fmt/format.h>

#include <charconv>

namespace caudal::actors {

namespace {
bool parse_i32(std::string_view& in, int32_t& out) {
  auto [ptr, ec] = std::from_chars(in.data(), in.data() + in.size(), out);
  if (ec != std::errc{}) return false;
  in.remove_prefix(static_cast<size_t>(ptr - in.data()));
  return true;
}
} // namespace

metastore_quorum_store::metastore_quorum_store(storage::metastore& store, std::string group)
    : store_(store), key_("quorum/" + group) {}

std::string metastore_quorum_store::encode(const consensus::quorum_state& state) {
  return fmt::format("{} {}", state.epoch, state.voted_for);
}

std::optional<consensus::quorum_state> metastore_quorum_store::decode(std::string_view in) {
  consensus::quorum_state st;
  if (!parse_i32(in, st.epoch) || in.empty() || in.front() != ' ') return std::nullopt;
  in.remove_prefix(1);
  if (!parse_i32(in, st.voted_for) || !in.empty()) return std::nullopt;
  if (st.epoch < 0 || st.voted_for < consensus::no_node) return std::nullopt;
  return st;
}

consensus::quorum_state metastore_quorum_store::load() {
  auto v = store_.get_kv(key_);
  if (!v) {
    last_error_ = v.error().message;
    return {};
  }
  if (!*v) return {};
  auto st = decode(**v);
  if (!st) {
    // Not trustworthy: voting again in a stored epoch could elect two leaders.
    // The owner must check last_error() before starting the replica.
    last_error_ = fmt::format("unreadable quorum state '{}' under {}", **v, key_);
    return {};
  }
  return *st;
}

bool metastore_quorum_store::save(const consensus::quorum_state& state) {
  auto st = store_.put_kv(key_, encode(state));
  if (st) return true;
  last_error_ = st.error().message;
  return false;
}

} // namespace caudal::actors
