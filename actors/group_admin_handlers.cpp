// Consumer-group read and admin APIs of a session: OffsetFetch (one or many
// groups), OffsetDelete, DescribeGroups, ListGroups and DeleteGroups. Each
// fans out one question per group to the coordinator and answers when all
// came back (join_counter).

#include <algorithm>
#include <cctype>

#include <caf/all.hpp>

#include "actors/group_messages.h"
#include "actors/handlers.h"

namespace caudal::actors {
namespace {

constexpr int32_t authorized_ops_omitted = INT32_MIN;
using fetched_group = msg::offset_fetch_response::offset_fetch_response_group;

template <class Req>
offset_fetch_query make_query(const std::string& group, const Req& topics) {
  offset_fetch_query q;
  q.group_id = group;
  if (!topics) return q;
  q.topics.emplace();
  for (auto& t : *topics) q.topics->emplace_back(t.name, t.partition_indexes);
  return q;
}

/// The v0-7 layout of one group's offsets.
void to_single_group(const fetched_group& g, msg::offset_fetch_response& resp) {
  resp.error_code = g.error_code;
  for (auto& t : g.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      rp.committed_offset = p.committed_offset;
      rp.committed_leader_epoch = p.committed_leader_epoch;
      rp.metadata = p.metadata;
      rp.error_code = p.error_code;
    }
  }
}

fetched_group unavailable(const std::string& group) {
  fetched_group g;
  g.group_id = group;
  g.error_code = group_error::coordinator_not_available;
  return g;
}

/// Asks one question per item and calls `done(results)` after the last answer.
template <class Answer, class Atom, class Item, class OnError, class Done>
void fan_out(session_self self, const std::vector<Item>& items, OnError on_error, Done done) {
  auto results = std::make_shared<std::vector<Answer>>(items.size());
  auto counter = std::make_shared<join_counter>();
  counter->remaining = items.size();
  counter->done = [results, done]() mutable { done(*results); };
  if (items.empty()) return done(*results);
  for (size_t i = 0; i < items.size(); ++i) {
    auto item = items[i];
    self->request(self->state.ctx.group_coordinator, caf::infinite, Atom::value, item)
        .then(
            [=](Answer& a) {
              (*results)[i] = std::move(a);
              counter->arrive();
            },
            [=](caf::error&) {
              (*results)[i] = on_error(item);
              counter->arrive();
            });
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

} // namespace

void handle_offset_fetch(session_self self, const request_context& rc,
                         msg::offset_fetch_request req) {
  std::vector<offset_fetch_query> queries;
  if (rc.version() >= 8) {
    for (auto& g : req.groups) queries.push_back(make_query(g.group_id, g.topics));
  } else {
    queries.push_back(make_query(req.group_id, req.topics));
  }
  fan_out<fetched_group, gfetch_atom>(
      self, queries, [](const offset_fetch_query& q) { return unavailable(q.group_id); },
      [=](std::vector<fetched_group>& groups) {
        msg::offset_fetch_response resp;
        if (rc.version() >= 8)
          resp.groups = std::move(groups);
        else
          to_single_group(groups.front(), resp);
        reply(self, rc, resp);
      });
}

void handle_offset_delete(session_self self, const request_context& rc,
                          msg::offset_delete_request req) {
  auto fail = [=](int16_t e) {
    msg::offset_delete_response r;
    r.error_code = e;
    reply(self, rc, r);
  };
  if (req.group_id.empty()) return fail(group_error::invalid_group_id);
  self->request(self->state.ctx.group_coordinator, caf::infinite, goffdel_atom::value,
                std::move(req))
      .then([=](msg::offset_delete_response& r) { reply(self, rc, r); },
            [=](caf::error&) { fail(group_error::coordinator_not_available); });
}

void handle_describe_groups(session_self self, const request_context& rc,
                            msg::describe_groups_request req) {
  using described = msg::describe_groups_response::described_group;
  fan_out<described, gdescribe_atom>(
      self, req.groups,
      [](const std::string& g) {
        described d;
        d.group_id = g;
        d.error_code = group_error::coordinator_not_available;
        return d;
      },
      [=](std::vector<described>& groups) {
        msg::describe_groups_response resp;
        for (auto& g : groups) {
          if (g.group_id.empty()) g.error_code = group_error::invalid_group_id;
          g.authorized_operations = authorized_ops_omitted;
        }
        resp.groups = std::move(groups);
        reply(self, rc, resp);
      });
}

void handle_list_groups(session_self self, const request_context& rc,
                        msg::list_groups_request req) {
  std::vector<std::string> states;
  for (auto& s : req.states_filter) states.push_back(lower(s));
  self->request(self->state.ctx.group_coordinator, caf::infinite, glist_atom::value)
      .then(
          [=](std::vector<listed_group>& rows) {
            msg::list_groups_response resp;
            for (auto& row : rows) {
              if (!states.empty() &&
                  std::find(states.begin(), states.end(), lower(row.state)) == states.end())
                continue;
              auto& g = resp.groups.emplace_back();
              g.group_id = row.group_id;
              g.protocol_type = row.protocol_type;
              g.group_state = row.state;
            }
            reply(self, rc, resp);
          },
          [=](caf::error&) {
            msg::list_groups_response resp;
            resp.error_code = group_error::coordinator_not_available;
            reply(self, rc, resp);
          });
}

void handle_delete_groups(session_self self, const request_context& rc,
                          msg::delete_groups_request req) {
  fan_out<int16_t, gdelete_atom>(
      self, req.groups_names,
      [](const std::string&) { return group_error::coordinator_not_available; },
      [=](std::vector<int16_t>& errors) {
        msg::delete_groups_response resp;
        for (size_t i = 0; i < errors.size(); ++i) {
          auto& r = resp.results.emplace_back();
          r.group_id = req.groups_names[i];
          r.error_code = req.groups_names[i].empty() ? group_error::invalid_group_id : errors[i];
        }
        reply(self, rc, resp);
      });
}

} // namespace caudal::actors
