#pragma once
// Kafka's topic name rules (the same as actors/topic_manager's, restated here
// because metadata must not depend on actors).

#include <string>

namespace caudal::metadata {

inline constexpr size_t max_topic_name_length = 249;

/// Non-empty, at most 249 characters of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(const std::string& name, std::string& why);

/// Kafka forbids two topics whose names differ only by '.' versus '_': both
/// map to the same metric names.
bool topic_names_collide(const std::string& a, const std::string& b);

} // namespace caudal::metadata
