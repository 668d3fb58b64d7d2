#include "cmd/topic.h"

#include <iostream>
#include <memory>

#include "cmd/kafka_client.h"
#include "cmd/topic_config.h"

namespace caudal::cmd {
namespace {

struct create_options {
  std::vector<std::string> names;
  int partitions = 1;
  int replicas = 1;
  std::vector<std::string> configs;
};

struct describe_options {
  std::string name;
  bool configs = false;
};

struct alter_options {
  std::string name;
  std::vector<std::string> set;
  std::vector<std::string> remove;
};

// Admin calls run on a producer handle: it needs no group and sends nothing by itself.
handle_ptr admin_handle(const global_options& global, client_error& err) {
  auto conf = make_conf(global, {}, err);
  if (!conf) return nullptr;
  return make_handle(RD_KAFKA_PRODUCER, std::move(conf), err);
}

// Prints one "TOPIC STATUS" row per result and tells whether all succeeded.
bool report_topic_results(const rd_kafka_topic_result_t** results, size_t count) {
  std::vector<std::vector<std::string>> rows{{"TOPIC", "STATUS"}};
  bool all_ok = true;
  for (size_t i = 0; i < count; ++i) {
    auto code = rd_kafka_topic_result_error(results[i]);
    all_ok = all_ok && code == RD_KAFKA_RESP_ERR_NO_ERROR;
    rows.push_back({rd_kafka_topic_result_name(results[i]),
                    code == RD_KAFKA_RESP_ERR_NO_ERROR
                        ? "OK"
                        : describe_error(code, rd_kafka_topic_result_error_string(results[i]))});
  }
  print_table(all_ok ? std::cout : std::cerr, rows);
  return all_ok;
}

int run_create(const create_options& opts, const global_options& global) {
  std::string bad;
  auto configs = parse_key_values(opts.configs, bad);
  if (!configs) {
    print_error("topic create", "config '" + bad + "' is not key=value");
    return exit_usage;
  }
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("topic create", err.message), exit_failure;
  std::vector<new_topic_ptr> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  for (const auto& name : opts.names) {
    char errstr[512];
    new_topic_ptr topic{
        rd_kafka_NewTopic_new(name.c_str(), opts.partitions, opts.replicas, errstr, sizeof errstr)};
    if (!topic) return print_error("topic create", name + ": " + errstr), exit_usage;
    for (const auto& [k, v] : *configs)
      rd_kafka_NewTopic_set_config(topic.get(), k.c_str(), v.c_str());
    raw.push_back(topic.get());
    owned.push_back(std::move(topic));
  }
  auto options = make_admin_options(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, global);
  queue_ptr queue{rd_kafka_queue_new(rk.get())};
  rd_kafka_CreateTopics(rk.get(), raw.data(), raw.size(), options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return print_error("topic create", err.message), exit_failure;
  size_t count = 0;
  const auto** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &count);
  return report_topic_results(results, count) ? exit_ok : exit_failure;
}

int run_delete(const std::vector<std::string>& names, const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("topic delete", err.message), exit_failure;
  std::vector<delete_topic_ptr> owned;
  std::vector<rd_kafka_DeleteTopic_t*> raw;
  for (const auto& name : names) {
    owned.emplace_back(rd_kafka_DeleteTopic_new(name.c_str()));
    raw.push_back(owned.back().get());
  }
  auto options = make_admin_options(rk.get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, global);
  queue_ptr queue{rd_kafka_queue_new(rk.get())};
  rd_kafka_DeleteTopics(rk.get(), raw.data(), raw.size(), options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return print_error("topic delete", err.message), exit_failure;
  size_t count = 0;
  const auto** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &count);
  return report_topic_results(results, count) ? exit_ok : exit_failure;
}

int run_add_partitions(const std::string& name, int total, const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("topic add-partitions", err.message), exit_failure;
  char errstr[512];
  new_partitions_ptr request{
      rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total), errstr, sizeof errstr)};
  if (!request) return print_error("topic add-partitions", errstr), exit_usage;
  auto options = make_admin_options(rk.get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, global);
  queue_ptr queue{rd_kafka_queue_new(rk.get())};
  rd_kafka_NewPartitions_t* raw = request.get();
  rd_kafka_CreatePartitions(rk.get(), &raw, 1, options.get(), queue.get());
  auto ev = wait_admin_result(queue.get(), global, err);
  if (!ev) return print_error("topic add-partitions", err.message), exit_failure;
  size_t count = 0;
  const auto** results = rd_kafka_CreatePartitions_result_topics(
      rd_kafka_event_CreatePartitions_result(ev.get()), &count);
  return report_topic_results(results, count) ? exit_ok : exit_failure;
}

int run_list(const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("topic list", err.message), exit_failure;
  auto info = fetch_metadata(rk.get(), global, err);
  if (!info) return print_error("topic list", err.message), exit_failure;
  std::vector<std::vector<std::string>> rows{{"NAME", "PARTITIONS", "REPLICAS"}};
  for (const auto& t : info->topics) {
    auto replicas = t.partitions.empty() ? 0 : t.partitions.front().replicas.size();
    rows.push_back({t.name, std::to_string(t.partitions.size()), std::to_string(replicas)});
  }
  print_table(std::cout, rows);
  return exit_ok;
}

void print_partitions(const topic_info& topic) {
  std::vector<std::vector<std::string>> rows{{"PARTITION", "LEADER", "REPLICAS", "ISR", "ERROR"}};
  for (const auto& p : topic.partitions) {
    rows.push_back({std::to_string(p.id), std::to_string(p.leader), join_ints(p.replicas),
                    join_ints(p.isrs),
                    p.err == RD_KAFKA_RESP_ERR_NO_ERROR ? "-" : rd_kafka_err2name(p.err)});
  }
  print_table(std::cout, rows);
}

void print_configs(const std::vector<config_entry>& entries) {
  std::vector<std::vector<std::string>> rows{{"KEY", "VALUE", "SOURCE"}};
  for (const auto& e : entries) rows.push_back({e.name, e.value.value_or("(null)"), e.source});
  print_table(std::cout, rows);
}

int run_describe(const describe_options& opts, const global_options& global) {
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("topic describe", err.message), exit_failure;
  auto info = fetch_metadata(rk.get(), global, err);
  if (!info) return print_error("topic describe", err.message), exit_failure;
  const topic_info* topic = find_topic(*info, opts.name, err);
  if (topic == nullptr) return print_error("topic describe", err.message), exit_failure;
  std::cout << "NAME        " << topic->name << '\n'
            << "PARTITIONS  " << topic->partitions.size() << "\n\n";
  print_partitions(*topic);
  if (!opts.configs) return exit_ok;
  auto entries = describe_topic_configs(rk.get(), opts.name, global, err);
  if (!entries) return print_error("topic describe", err.message), exit_failure;
  std::cout << '\n';
  print_configs(*entries);
  return exit_ok;
}

// librdkafka 2.0.2 has no IncrementalAlterConfigs, so this is read-modify-write with
// AlterConfigs: keep the topic's current dynamic configs, apply the changes, and send
// the full set. A concurrent alter between the two calls would be overwritten.
int run_alter(const alter_options& opts, const global_options& global) {
  std::string bad;
  auto set = parse_key_values(opts.set, bad);
  if (!set) return print_error("topic alter-config", "'" + bad + "' is not key=value"), exit_usage;
  if (set->empty() && opts.remove.empty()) {
    print_error("topic alter-config", "nothing to change: give --set and/or --delete");
    return exit_usage;
  }
  client_error err;
  auto rk = admin_handle(global, err);
  if (!rk) return print_error("topic alter-config", err.message), exit_failure;
  auto current = describe_topic_configs(rk.get(), opts.name, global, err);
  if (!current) return print_error("topic alter-config", err.message), exit_failure;
  std::map<std::string, std::string> merged;
  for (const auto& e : *current) {
    if (e.is_dynamic && e.value) merged[e.name] = *e.value;
  }
  for (const auto& key : opts.remove) merged.erase(key);
  for (const auto& [k, v] : *set) merged[k] = v;
  std::vector<std::pair<std::string, std::string>> configs(merged.begin(), merged.end());
  if (!alter_topic_configs(rk.get(), opts.name, configs, global, err))
    return print_error("topic alter-config", err.message), exit_failure;
  std::cout << "TOPIC  STATUS\n" << opts.name << "  OK\n";
  return exit_ok;
}

} // namespace

void add_topic_command(CLI::App& app, const global_options& global, int& result) {
  auto* topic = app.add_subcommand("topic", "Create, list, describe, delete and configure topics");
  topic->require_subcommand(1);

  auto create = std::make_shared<create_options>();
  auto* c = topic->add_subcommand("create", "Create one or more topics");
  c->add_option("names", create->names, "Topic names")->required();
  c->add_option("-p,--partitions", create->partitions, "Partitions per topic")
      ->capture_default_str();
  c->add_option("-r,--replicas", create->replicas, "Replication factor")->capture_default_str();
  c->add_option("-c,--config", create->configs, "Topic config key=value (repeatable)");
  c->callback([create, &global, &result] { result = run_create(*create, global); });

  topic->add_subcommand("list", "List topics with partition and replica counts")
      ->callback([&global, &result] { result = run_list(global); });

  auto describe = std::make_shared<describe_options>();
  auto* d = topic->add_subcommand("describe", "Show a topic's partitions (and configs)");
  d->add_option("name", describe->name, "Topic name")->required();
  d->add_flag("-c,--configs", describe->configs, "Also print the topic's configs");
  d->callback([describe, &global, &result] { result = run_describe(*describe, global); });

  auto names = std::make_shared<std::vector<std::string>>();
  auto* del = topic->add_subcommand("delete", "Delete one or more topics");
  del->add_option("names", *names, "Topic names")->required();
  del->callback([names, &global, &result] { result = run_delete(*names, global); });

  auto grow = std::make_shared<std::pair<std::string, int>>();
  auto* g = topic->add_subcommand("add-partitions", "Grow a topic to a total partition count");
  g->add_option("name", grow->first, "Topic name")->required();
  g->add_option("-n,--total", grow->second, "New total number of partitions")
      ->required()
      ->check(CLI::PositiveNumber);
  g->callback(
      [grow, &global, &result] { result = run_add_partitions(grow->first, grow->second, global); });

  auto alter = std::make_shared<alter_options>();
  auto* a = topic->add_subcommand("alter-config", "Set or remove topic configs");
  a->add_option("name", alter->name, "Topic name")->required();
  a->add_option("-s,--set", alter->set, "Set key=value (repeatable)");
  a->add_option("-d,--delete", alter->remove, "Remove a key, back to its default (repeatable)");
  a->callback([alter, &global, &result] { result = run_alter(*alter, global); });
}

} // namespace caudal::cmd
