#include "cmd/group.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <tuple>

#include "cmd/kafka_client.h"

namespace caudal::cmd {
namespace {

using list_offsets_ptr = std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                                         deleter<rd_kafka_ListConsumerGroupOffsets_destroy>>;
using alter_offsets_ptr = std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                                          deleter<rd_kafka_AlterConsumerGroupOffsets_destroy>>;
using delete_group_ptr =
    std::unique_ptr<rd_kafka_DeleteGroup_t, deleter<rd_kafka_DeleteGroup_destroy>>;

struct member_info {
  std::string id, client_id, host, partitions;
};

struct group_info {
  rd_kafka_consumer_group_state_t state = RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
  std::vector<member_info> members;
};

struct committed {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
};

struct reset_options {
  std::string group, topic;
  std::optional<int32_t> partition;
  bool earliest = false, latest = false, execute = false;
  std::optional<int64_t> to_offset, shift_by;
  std::optional<std::string> datetime;
};

struct plan_row {
  int32_t partition = 0;
  int64_t current = -1, next = 0;
};

// Admin calls run on a producer handle: it needs no group and sends nothing by itself.
handle_ptr admin_handle(const global_options& global, client_error& err) {
  auto conf = make_conf(global, {}, err);
  if (!conf) return nullptr;
  return make_handle(RD_KAFKA_PRODUCER, std::move(conf), err);
}

std::string state_name(rd_kafka_consumer_group_state_t state) {
  return rd_kafka_consumer_group_state_name(state);
}

std::string error_text(const rd_kafka_error_t* e) {
  return describe_error(rd_kafka_error_code(e), rd_kafka_error_string(e));
}

std::string format_partitions(const rd_kafka_topic_partition_list_t* list) {
  if (list == nullptr || list->cnt == 0) return "-";
  std::string out;
  for (int i = 0; i < list->cnt; ++i) {
    if (!out.empty()) out += ',';
    out += std::string(list->elems[i].topic) + "/" + std::to_string(list->elems[i].partition);
  }
  return out;
}

// Group-level failure of a per-group admin result (DeleteGroups, offsets calls).
bool group_result_ok(const rd_kafka_group_result_t* res, client_error& err) {
  if (const auto* e = rd_kafka_group_result_error(res); e != nullptr) {
    err.message = "group '" + std::string(rd_kafka_group_result_name(res)) + "': " + error_text(e);
    return false;
  }
  return true;
}

std::optional<group_info> describe_group(rd_kafka_t* rk, const std::string& name,
                                         const global_options& global, client_error& err) {
  auto options = make_admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, global);
  queue_ptr queue{rd_kafka_queue_new(rk)};
  const char* names[] = {name.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, names, 1, options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return std::nullopt;
  size_t count = 0;
  const auto** groups = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &count);
  if (count != 1) return err.message = "no description of group '" + name + "'", std::nullopt;
  if (const auto* e = rd_kafka_ConsumerGroupDescription_error(groups[0]); e != nullptr)
    return err.message = "group '" + name + "': " + error_text(e), std::nullopt;
  group_info info;
  info.state = rd_kafka_ConsumerGroupDescription_state(groups[0]);
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(groups[0]); ++i) {
    const auto* m = rd_kafka_ConsumerGroupDescription_member(groups[0], i);
    const auto* assignment = rd_kafka_MemberDescription_assignment(m);
    info.members.push_back(
        {rd_kafka_MemberDescription_consumer_id(m), rd_kafka_MemberDescription_client_id(m),
         rd_kafka_MemberDescription_host(m),
         format_partitions(assignment ? rd_kafka_MemberAssignment_partitions(assignment)
                                      : nullptr)});
  }
  return info;
}

// Committed offsets of `group`; all of them when `partitions` is null.
std::optional<std::vector<committed>>
committed_offsets(rd_kafka_t* rk, const std::string& group,
                  const rd_kafka_topic_partition_list_t* partitions, const global_options& global,
                  client_error& err) {
  auto options = make_admin_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, global);
  queue_ptr queue{rd_kafka_queue_new(rk)};
  list_offsets_ptr request{rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions)};
  auto* raw = request.get();
  rd_kafka_ListConsumerGroupOffsets(rk, &raw, 1, options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return std::nullopt;
  size_t count = 0;
  const auto** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev.get()), &count);
  if (count != 1) return err.message = "no offsets of group '" + group + "'", std::nullopt;
  if (!group_result_ok(groups[0], err)) return std::nullopt;
  std::vector<committed> out;
  const auto* list = rd_kafka_group_result_partitions(groups[0]);
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    out.push_back({p.topic, p.partition, p.err == RD_KAFKA_RESP_ERR_NO_ERROR ? p.offset : -1});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

bool watermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t& low,
                int64_t& high, const global_options& global, client_error& err) {
  auto rc = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high,
                                             global.timeout_ms);
  if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  err.message = topic + "/" + std::to_string(partition) +
                ": log offsets: " + describe_error(rc, rd_kafka_err2str(rc));
  return false;
}

// Uses the classic rd_kafka_list_groups (ListGroups v0 + DescribeGroups per broker) rather
// than rd_kafka_ListConsumerGroups: librdkafka 2.0.2 sends ListGroups v4 for the latter,
// which the node currently rejects as malformed (see cmd/README.md).
int run_list(const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("group list", err.message), exit_failure;
  const rd_kafka_group_list* list = nullptr;
  auto rc = rd_kafka_list_groups(rk.get(), nullptr, &list, global.timeout_ms);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    print_error("group list", describe_error(rc, rd_kafka_err2str(rc)));
    return exit_failure;
  }
  std::vector<std::vector<std::string>> rows;
  bool all_ok = true;
  for (int i = 0; i < list->group_cnt; ++i) {
    const auto& g = list->groups[i];
    if (g.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      all_ok = false;
      print_error("group list", std::string(g.group) + ": " + rd_kafka_err2name(g.err));
      continue;
    }
    rows.push_back({g.group, g.state != nullptr && *g.state != '\0' ? g.state : "Unknown"});
  }
  rd_kafka_group_list_destroy(list);
  std::sort(rows.begin(), rows.end());
  rows.insert(rows.begin(), {"GROUP", "STATE"});
  print_table(std::cout, rows);
  return all_ok ? exit_ok : exit_failure;
}

// "TOPIC PARTITION COMMITTED LOG-END LAG" for every partition with a committed offset.
bool print_lag(rd_kafka_t* rk, const std::vector<committed>& offsets, const global_options& global,
               client_error& err) {
  std::vector<std::vector<std::string>> rows{{"TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG"}};
  for (const auto& c : offsets) {
    if (c.offset < 0) continue;
    int64_t low = 0, high = 0;
    if (!watermarks(rk, c.topic, c.partition, low, high, global, err)) return false;
    rows.push_back({c.topic, std::to_string(c.partition), std::to_string(c.offset),
                    std::to_string(high), std::to_string(std::max<int64_t>(high - c.offset, 0))});
  }
  print_table(std::cout, rows);
  return true;
}

// Every partition of every topic. OffsetFetch is asked for these explicitly rather than
// with "all topics" (a null topic list), which the node currently rejects as malformed.
std::optional<partition_list_ptr> all_partitions(rd_kafka_t* rk, const global_options& global,
                                                 client_error& err) {
  auto info = fetch_metadata(rk, global, err);
  if (!info) return std::nullopt;
  partition_list_ptr list{rd_kafka_topic_partition_list_new(1)};
  for (const auto& t : info->topics) {
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    for (const auto& p : t.partitions)
      rd_kafka_topic_partition_list_add(list.get(), t.name.c_str(), p.id);
  }
  return list;
}

int run_describe(const std::string& name, const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("group describe", err.message), exit_failure;
  auto info = describe_group(rk.get(), name, global, err);
  if (!info) return print_error("group describe", err.message), exit_failure;
  auto all = all_partitions(rk.get(), global, err);
  if (!all) return print_error("group describe", err.message), exit_failure;
  auto offsets = committed_offsets(rk.get(), name, all->get(), global, err);
  if (!offsets) return print_error("group describe", err.message), exit_failure;
  bool has_offsets =
      std::any_of(offsets->begin(), offsets->end(), [](const auto& c) { return c.offset >= 0; });
  // The broker describes an unknown group as Dead with no members rather than failing.
  if (info->state == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD && info->members.empty() && !has_offsets) {
    print_error("group describe", "group '" + name + "' does not exist (GROUP_ID_NOT_FOUND)");
    return exit_failure;
  }
  std::cout << "GROUP    " << name << '\n'
            << "STATE    " << state_name(info->state) << '\n'
            << "MEMBERS  " << info->members.size() << "\n\n";
  if (!info->members.empty()) {
    std::vector<std::vector<std::string>> rows{{"MEMBER-ID", "CLIENT-ID", "HOST", "PARTITIONS"}};
    for (const auto& m : info->members) rows.push_back({m.id, m.client_id, m.host, m.partitions});
    print_table(std::cout, rows);
    std::cout << '\n';
  }
  if (!print_lag(rk.get(), *offsets, global, err))
    return print_error("group describe", err.message), exit_failure;
  return exit_ok;
}

// Parses "YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM|-HH:MM]" (UTC when no zone) to epoch ms.
std::optional<int64_t> parse_iso8601(const std::string& text) {
  std::tm tm{};
  int ms = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  std::string rest = text.substr(static_cast<size_t>(consumed));
  if (rest.size() >= 4 && rest[0] == '.') {
    int digits = 0;
    if (std::sscanf(rest.c_str(), ".%3d%n", &ms, &digits) != 1 || digits != 4) return std::nullopt;
    rest.erase(0, 4);
  }
  int64_t zone_seconds = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int hh = 0, mm = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &hh, &mm) != 2) return std::nullopt;
    zone_seconds = (rest[0] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
  } else if (!rest.empty() && rest != "Z") {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t seconds = timegm(&tm);
  return (static_cast<int64_t>(seconds) - zone_seconds) * 1000 + ms;
}

// First offset with a timestamp >= `ms`; the log end when every record is older.
bool offset_for_time(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t ms,
                     int64_t high, int64_t& out, const global_options& global, client_error& err) {
  partition_list_ptr list{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = ms;
  auto rc = rd_kafka_offsets_for_times(rk, list.get(), global.timeout_ms);
  if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) rc = list->elems[0].err;
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    err.message = topic + "/" + std::to_string(partition) +
                  ": offset for time: " + describe_error(rc, rd_kafka_err2str(rc));
    return false;
  }
  out = list->elems[0].offset < 0 ? high : list->elems[0].offset;
  return true;
}

bool target_offset(rd_kafka_t* rk, const reset_options& opts, int32_t partition, int64_t current,
                   int64_t& out, const global_options& global, client_error& err) {
  int64_t low = 0, high = 0;
  if (!watermarks(rk, opts.topic, partition, low, high, global, err)) return false;
  if (opts.datetime)
    return offset_for_time(rk, opts.topic, partition, *parse_iso8601(*opts.datetime), high, out,
                           global, err);
  if (opts.earliest)
    out = low;
  else if (opts.latest)
    out = high;
  else if (opts.to_offset)
    out = *opts.to_offset;
  // A partition without a committed offset shifts from the log start.
  else
    out = (current >= 0 ? current : low) + *opts.shift_by;
  // Offsets outside the log would make the consumer fall back to auto.offset.reset.
  out = std::clamp(out, low, high);
  return true;
}

std::optional<std::vector<plan_row>> make_plan(rd_kafka_t* rk, const reset_options& opts,
                                               const global_options& global, client_error& err) {
  auto info = fetch_metadata(rk, global, err);
  if (!info) return std::nullopt;
  const topic_info* topic = find_topic(*info, opts.topic, err);
  if (topic == nullptr) return std::nullopt;
  partition_list_ptr wanted{rd_kafka_topic_partition_list_new(1)};
  for (const auto& p : topic->partitions) {
    if (!opts.partition || *opts.partition == p.id)
      rd_kafka_topic_partition_list_add(wanted.get(), opts.topic.c_str(), p.id);
  }
  if (wanted->cnt == 0) {
    err.message = "topic '" + opts.topic + "' has no partition " + std::to_string(*opts.partition) +
                  " (UNKNOWN_TOPIC_OR_PARTITION)";
    return std::nullopt;
  }
  auto current = committed_offsets(rk, opts.group, wanted.get(), global, err);
  if (!current) return std::nullopt;
  std::vector<plan_row> plan;
  for (const auto& c : *current) {
    plan_row row{c.partition, c.offset, 0};
    if (!target_offset(rk, opts, c.partition, c.offset, row.next, global, err)) return std::nullopt;
    plan.push_back(row);
  }
  return plan;
}

bool apply_plan(rd_kafka_t* rk, const reset_options& opts, const std::vector<plan_row>& plan,
                const global_options& global, client_error& err) {
  partition_list_ptr list{rd_kafka_topic_partition_list_new(static_cast<int>(plan.size()))};
  for (const auto& row : plan)
    rd_kafka_topic_partition_list_add(list.get(), opts.topic.c_str(), row.partition)->offset =
        row.next;
  alter_offsets_ptr request{rd_kafka_AlterConsumerGroupOffsets_new(opts.group.c_str(), list.get())};
  auto options = make_admin_options(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, global);
  queue_ptr queue{rd_kafka_queue_new(rk)};
  auto* raw = request.get();
  rd_kafka_AlterConsumerGroupOffsets(rk, &raw, 1, options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return false;
  size_t count = 0;
  const auto** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get()), &count);
  if (count != 1) return err.message = "no answer for group '" + opts.group + "'", false;
  if (!group_result_ok(groups[0], err)) return false;
  const auto* parts = rd_kafka_group_result_partitions(groups[0]);
  for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
    if (auto code = parts->elems[i].err; code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      err.message = opts.topic + "/" + std::to_string(parts->elems[i].partition) + ": " +
                    describe_error(code, rd_kafka_err2str(code));
      return false;
    }
  }
  return true;
}

int run_reset(const reset_options& opts, const global_options& global) {
  const char* ctx = "group reset-offsets";
  int modes = opts.earliest + opts.latest + opts.to_offset.has_value() + opts.shift_by.has_value() +
              opts.datetime.has_value();
  if (modes != 1) {
    print_error(ctx, "give exactly one of --to-earliest, --to-latest, --to-offset, "
                     "--to-datetime, --shift-by");
    return exit_usage;
  }
  if (opts.datetime && !parse_iso8601(*opts.datetime)) {
    print_error(ctx, "'" + *opts.datetime + "' is not YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM]");
    return exit_usage;
  }
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error(ctx, err.message), exit_failure;
  auto info = describe_group(rk.get(), opts.group, global, err);
  if (!info) return print_error(ctx, err.message), exit_failure;
  // Active members would overwrite the new offsets with their next commit.
  if (info->state != RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY &&
      info->state != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) {
    print_error(ctx, "group '" + opts.group + "' is " + state_name(info->state) + " with " +
                         std::to_string(info->members.size()) +
                         " member(s); stop its consumers first (offsets can only be reset "
                         "while the group is Empty)");
    return exit_failure;
  }
  auto plan = make_plan(rk.get(), opts, global, err);
  if (!plan) return print_error(ctx, err.message), exit_failure;
  std::vector<std::vector<std::string>> rows{{"TOPIC", "PARTITION", "CURRENT", "NEW"}};
  for (const auto& r : *plan)
    rows.push_back({opts.topic, std::to_string(r.partition),
                    r.current < 0 ? "-" : std::to_string(r.current), std::to_string(r.next)});
  print_table(std::cout, rows);
  if (!opts.execute) {
    std::cout << "\n(dry run: nothing changed; add --execute to apply)\n";
    return exit_ok;
  }
  if (!apply_plan(rk.get(), opts, *plan, global, err))
    return print_error(ctx, err.message), exit_failure;
  std::cout << "\noffsets of group '" << opts.group << "' reset\n";
  return exit_ok;
}

int run_delete(const std::vector<std::string>& names, const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("group delete", err.message), exit_failure;
  std::vector<delete_group_ptr> owned;
  std::vector<rd_kafka_DeleteGroup_t*> raw;
  for (const auto& name : names) {
    owned.emplace_back(rd_kafka_DeleteGroup_new(name.c_str()));
    raw.push_back(owned.back().get());
  }
  auto options = make_admin_options(rk.get(), RD_KAFKA_ADMIN_OP_DELETEGROUPS, global);
  queue_ptr queue{rd_kafka_queue_new(rk.get())};
  rd_kafka_DeleteGroups(rk.get(), raw.data(), raw.size(), options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return print_error("group delete", err.message), exit_failure;
  size_t count = 0;
  const auto** results =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &count);
  std::vector<std::vector<std::string>> rows{{"GROUP", "STATUS"}};
  bool all_ok = true;
  for (size_t i = 0; i < count; ++i) {
    const auto* e = rd_kafka_group_result_error(results[i]);
    all_ok = all_ok && e == nullptr;
    rows.push_back({rd_kafka_group_result_name(results[i]), e == nullptr ? "OK" : error_text(e)});
  }
  print_table(all_ok ? std::cout : std::cerr, rows);
  return all_ok ? exit_ok : exit_failure;
}

void add_reset_command(CLI::App& group, const global_options& global, int& result) {
  auto opts = std::make_shared<reset_options>();
  auto* r = group.add_subcommand("reset-offsets", "Reset a stopped group's committed offsets");
  r->add_option("group", opts->group, "Group id")->required();
  r->add_option("-t,--topic", opts->topic, "Topic whose offsets to reset")->required();
  r->add_option("-p,--partition", opts->partition, "Only this partition");
  r->add_flag("--to-earliest", opts->earliest, "To the log start offset");
  r->add_flag("--to-latest", opts->latest, "To the log end offset");
  r->add_option("--to-offset", opts->to_offset, "To offset N (clamped to the log)");
  r->add_option("--to-datetime", opts->datetime,
                "To the first record at or after YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM]");
  r->add_option("--shift-by", opts->shift_by, "Move the committed offset by N (may be negative)");
  r->add_flag("--execute", opts->execute, "Apply the plan (default: only print it)");
  r->callback([opts, &global, &result] { result = run_reset(*opts, global); });
}

} // namespace

void add_group_command(CLI::App& app, const global_options& global, int& result) {
  auto* group = app.add_subcommand("group", "List, describe, reset and delete consumer groups");
  group->require_subcommand(1);

  group->add_subcommand("list", "List consumer groups with their state")
      ->callback([&global, &result] { result = run_list(global); });

  auto name = std::make_shared<std::string>();
  auto* d = group->add_subcommand("describe", "Show members, committed offsets and lag");
  d->add_option("group", *name, "Group id")->required();
  d->callback([name, &global, &result] { result = run_describe(*name, global); });

  add_reset_command(*group, global, result);

  auto names = std::make_shared<std::vector<std::string>>();
  auto* del = group->add_subcommand("delete", "Delete one or more (empty) groups");
  del->add_option("groups", *names, "Group ids")->required();
  del->callback([names, &global, &result] { result = run_delete(*names, global); });
}

} // namespace caudal::cmd
