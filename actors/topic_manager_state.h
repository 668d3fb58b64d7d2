#pragma once
// Internal state of the topic manager, shared by its translation units
// (topic_manager.cpp: lifecycle; topic_admin.cpp: create/delete/grow;
// topic_configs.cpp: describe/alter configs).

#include <map>
#include <random>
#include <string>

#include <caf/message_handler.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/topic_manager.h"

namespace caudal::actors {

struct topic_manager_state {
  topic_manager_args args;
  std::map<std::string, topic_entry> topics;
  std::mt19937_64 rng;
  static inline const char* name = "topic_manager";
};

using topic_manager_self = caf::stateful_actor<topic_manager_state>*;

/// Publishes the current table to the metadata cache.
void publish_snapshot(topic_manager_state& st);

/// Opens partitions [first, count) of `t`; false with `error` on failure.
bool open_partitions(topic_manager_self self, topic_entry& t, int32_t first, int32_t count,
                     std::string& error);

/// The same for partitions being created: on failure the ones it opened are
/// dropped again (data deleted), so `t` keeps only [0, first).
bool open_new_partitions(topic_manager_self self, topic_entry& t, int32_t first, int32_t count,
                         std::string& error);

/// Stores a topic's record in the metastore.
bool persist_topic(topic_manager_state& st, const topic_entry& t, std::string& error);

/// Validates config overrides; on error returns INVALID_CONFIG and a message.
int16_t check_topic_configs(const topic_manager_state& st,
                            const std::map<std::string, std::string>& configs,
                            std::string& message);

/// Applies a topic's (new) config overrides to its partition actors.
void push_log_config(topic_manager_self self, const topic_entry& t);

/// Creates a topic with the given settings (used by CreateTopics and
/// auto-creation). Returns a Kafka error code.
int16_t create_topic(topic_manager_self self, const std::string& name, int32_t partitions,
                     int16_t replication_factor, std::map<std::string, std::string> configs,
                     bool validate_only, std::string& message);

/// Moves the directories of partitions [first, end) aside and tells their
/// actors to delete the data and stop.
void drop_partitions(topic_manager_self self, const topic_entry& t, int32_t first = 0);

/// The elasticity APIs as a one-broker Kafka answers them
/// (topic_manager_elastic.cpp); see actors/atoms.h for the messages.
caf::message_handler single_node_elastic(topic_manager_self self);

} // namespace caudal::actors
