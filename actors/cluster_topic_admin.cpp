// CreateTopics, DeleteTopics, CreatePartitions and auto-creation on the
// controller: each request becomes one command; the answer waits until this
// node's image shows the outcome, so a client's next Metadata call sees it.

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/cluster_topic_state.h"
#include "actors/error_codes.h"

namespace caudal::actors {

namespace {

using create_result = msg::create_topics_response::creatable_topic_result;

/// Kafka answers a creation once the topic has leaders, so a client's next
/// Produce finds one. A leader not elected within image_wait_ms shows in
/// Metadata as LEADER_NOT_AVAILABLE (retriable) instead.
bool have_leaders(const metadata::image& img, const std::vector<std::string>& names) {
  for (auto& n : names) {
    auto* t = img.topic(n);
    if (!t) return false;
    for (auto& [id, p] : t->partitions)
      if (p.leader == metadata::no_leader) return false;
  }
  return true;
}

topic_spec spec_for(const cluster_topic_state& st,
                    const msg::create_topics_request::creatable_topic& t) {
  topic_spec s;
  s.name = t.name;
  s.partitions = t.num_partitions == -1 ? st.args.num_partitions : t.num_partitions;
  s.replication_factor =
      t.replication_factor == -1 ? st.args.default_replication_factor : t.replication_factor;
  for (auto& c : t.configs)
    if (c.value) s.configs[c.name] = *c.value;
  return s;
}

/// Fills the results of the topics sent (`slots` maps command items to
/// response entries) and returns the names created.
std::vector<std::string> fill_created(msg::create_topics_response& resp,
                                      const std::vector<size_t>& slots, const command_result& r,
                                      bool validate_only) {
  std::vector<std::string> created;
  for (size_t k = 0; k < slots.size(); ++k) {
    auto& out = resp.topics[slots[k]];
    auto item = item_of(r, k, out.name);
    out.error_code = item.error;
    if (item.error != error_code::none) {
      out.error_message = item.message;
      out.num_partitions = -1;
      out.replication_factor = -1;
    } else if (!validate_only) {
      created.push_back(out.name);
    }
  }
  return created;
}

caf::result<msg::create_topics_response> create_topics(cluster_topic_self self,
                                                       const msg::create_topics_request& req) {
  auto resp = std::make_shared<msg::create_topics_response>();
  create_topics_cmd cmd{{}, req.validate_only};
  std::vector<size_t> slots;
  for (auto& t : req.topics) {
    create_result r;
    r.name = t.name;
    if (!t.assignments.empty()) {
      r.error_code = error_code::invalid_request;
      r.error_message = "manual replica assignment is not supported; use num_partitions";
    } else {
      auto s = spec_for(self->state, t);
      r.num_partitions = s.partitions;
      r.replication_factor = s.replication_factor;
      slots.push_back(resp->topics.size());
      cmd.topics.push_back(std::move(s));
    }
    resp->topics.push_back(std::move(r));
  }
  if (cmd.topics.empty()) return *resp;
  auto rp = self->make_response_promise<msg::create_topics_response>();
  send_command(self, cmd, [self, rp, resp, slots, v = req.validate_only](auto& r) mutable {
    auto created = fill_created(*resp, slots, r, v);
    auto ready = [created](const metadata::image& img) { return have_leaders(img, created); };
    when_image(self, ready, [self, rp, resp]() mutable {
      for (auto& t : resp->topics)
        if (auto* ts = self->state.image->topic(t.name); ts && t.error_code == 0)
          t.topic_id = ts->id;
      rp.deliver(*resp);
    });
  });
  return rp;
}

} // namespace

namespace {

using delete_result = msg::delete_topics_response::deletable_topic_result;

/// One entry per topic named in the request (by name before v6, by name or
/// id from v6); ids unknown here fail at once.
std::vector<delete_result> delete_entries(const cluster_topic_state& st,
                                          const msg::delete_topics_request& req, int16_t version) {
  std::vector<delete_result> out;
  auto add = [&](std::optional<std::string> name, const protocol::uuid& id) {
    delete_result r;
    r.topic_id = id;
    if (!name) {
      auto* t = st.image->topic(id);
      if (!t) {
        r.error_code = error_code::unknown_topic_id;
        r.error_message = "unknown topic id";
      } else {
        name = t->name;
      }
    } else if (auto* t = st.image->topic(*name)) {
      r.topic_id = t->id;
    }
    r.name = name;
    out.push_back(std::move(r));
  };
  if (version >= 6)
    for (auto& t : req.topics) add(t.name, t.topic_id);
  else
    for (auto& n : req.topic_names) add(n, protocol::uuid{});
  return out;
}

caf::result<msg::delete_topics_response>
delete_topics(cluster_topic_self self, const msg::delete_topics_request& req, int16_t version) {
  auto resp = std::make_shared<msg::delete_topics_response>();
  resp->responses = delete_entries(self->state, req, version);
  delete_topics_cmd cmd;
  std::vector<size_t> slots;
  for (size_t i = 0; i < resp->responses.size(); ++i)
    if (resp->responses[i].error_code == 0 && resp->responses[i].name)
      slots.push_back(i), cmd.names.push_back(*resp->responses[i].name);
  if (cmd.names.empty()) return *resp;
  auto rp = self->make_response_promise<msg::delete_topics_response>();
  send_command(self, cmd, [self, rp, resp, slots](const command_result& r) mutable {
    std::vector<std::string> gone;
    for (size_t k = 0; k < slots.size(); ++k) {
      auto& out = resp->responses[slots[k]];
      auto item = item_of(r, k, *out.name);
      out.error_code = item.error;
      if (item.error != 0)
        out.error_message = item.message;
      else
        gone.push_back(*out.name);
    }
    auto ready = [gone](const metadata::image& img) {
      for (auto& n : gone)
        if (img.topic(n)) return false;
      return true;
    };
    when_image(self, ready, [rp, resp]() mutable { rp.deliver(*resp); });
  });
  return rp;
}

} // namespace

namespace {

caf::result<msg::create_partitions_response>
create_partitions(cluster_topic_self self, const msg::create_partitions_request& req) {
  auto resp = std::make_shared<msg::create_partitions_response>();
  create_partitions_cmd cmd{{}, req.validate_only};
  std::vector<size_t> slots;
  for (auto& t : req.topics) {
    msg::create_partitions_response::create_partitions_topic_result r;
    r.name = t.name;
    if (t.assignments && !t.assignments->empty()) {
      r.error_code = error_code::invalid_replica_assignment;
      r.error_message = "manual replica assignment is not supported";
    } else {
      slots.push_back(resp->results.size());
      cmd.topics.push_back(partition_growth{t.name, t.count});
    }
    resp->results.push_back(std::move(r));
  }
  if (cmd.topics.empty()) return *resp;
  auto rp = self->make_response_promise<msg::create_partitions_response>();
  send_command(self, cmd, [self, rp, resp, slots, cmd](const command_result& r) mutable {
    std::vector<partition_growth> grown;
    for (size_t k = 0; k < slots.size(); ++k) {
      auto& out = resp->results[slots[k]];
      auto item = item_of(r, k, out.name);
      out.error_code = item.error;
      if (item.error != 0)
        out.error_message = item.message;
      else if (!cmd.validate_only)
        grown.push_back(cmd.topics[k]);
    }
    auto ready = [grown](const metadata::image& img) {
      for (auto& g : grown)
        if (auto* t = img.topic(g.topic); t && static_cast<int32_t>(t->partitions.size()) < g.count)
          return false;
      return true;
    };
    when_image(self, ready, [rp, resp]() mutable { rp.deliver(*resp); });
  });
  return rp;
}

/// Auto-creation (Metadata with allow_auto_topic_creation, produce to an
/// unknown topic): missing topics get the broker defaults. Always true, as
/// in the single-node topic manager; failures are logged.
caf::result<bool> ensure_topics(cluster_topic_self self, const std::vector<std::string>& names) {
  auto& st = self->state;
  create_topics_cmd cmd;
  for (auto& n : names)
    if (!st.image->topic(n))
      cmd.topics.push_back(
          topic_spec{n, st.args.num_partitions, st.args.default_replication_factor, {}});
  if (cmd.topics.empty()) return true;
  auto rp = self->make_response_promise<bool>();
  send_command(self, cmd, [self, rp, cmd](const command_result& r) mutable {
    std::vector<std::string> created;
    for (size_t k = 0; k < cmd.topics.size(); ++k) {
      auto item = item_of(r, k, cmd.topics[k].name);
      if (item.error == 0 || item.error == error_code::topic_already_exists)
        created.push_back(item.name);
      else
        spdlog::warn("auto-create of topic '{}' failed: {}", item.name, item.message);
    }
    auto ready = [created](const metadata::image& img) { return have_leaders(img, created); };
    when_image(self, ready, [rp]() mutable { rp.deliver(true); });
  });
  return rp;
}

} // namespace

caf::message_handler cluster_topic_admin(cluster_topic_self self) {
  return {
      [=](create_atom, const msg::create_topics_request& req, int16_t) {
        return create_topics(self, req);
      },
      [=](delete_atom, const msg::delete_topics_request& req, int16_t version) {
        return delete_topics(self, req, version);
      },
      [=](grow_atom, const msg::create_partitions_request& req) {
        return create_partitions(self, req);
      },
      [=](describe_atom, const msg::describe_configs_request& req, int16_t) {
        return describe_configs(self, req);
      },
      [=](alter_atom, const msg::alter_configs_request& req) { return alter_configs(self, req); },
      [=](alter_atom, const msg::incremental_alter_configs_request& req) {
        return incremental_alter_configs(self, req);
      },
      [=](ensure_atom, const std::vector<std::string>& names) {
        return ensure_topics(self, names);
      },
  };
}

} // namespace caudal::actors
