#pragma once
// The Raft hard state (epoch, vote) of one consensus group, kept in the
// node's LMDB metastore under key "quorum/<group>" as the text
// "<epoch> <voted_for>". metastore::put_kv commits (and LMDB fsyncs) before
// returning, which is what quorum_store::save promises: a vote is answered
// only once it is durable.

#include "consensus/log.h"
#include "storage/metastore.h"

#include <optional>
#include <string>

namespace caudal::actors {

class metastore_quorum_store final : public consensus::quorum_store {
public:
  metastore_quorum_store(storage::metastore& store, std::string group);

  /// The stored state; the initial state {0, no_node} when nothing (or
  /// something unreadable, see last_error()) is stored.
  consensus::quorum_state load() override;
  bool save(const consensus::quorum_state& state) override;

  const std::string& key() const { return key_; }
  const std::string& last_error() const { return last_error_; }

  static std::string encode(const consensus::quorum_state& state);
  static std::optional<consensus::quorum_state> decode(std::string_view text);

private:
  storage::metastore& store_;
  std::string key_;
  std::string last_error_;
};

} // namespace caudal::actors
