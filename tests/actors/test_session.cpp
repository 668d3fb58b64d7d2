#define BOOST_TEST_MODULE actors_session
#include "node_fixture.h"

#include "protocol/record_batch.h"
#include "protocol/record_builder.h"

using namespace caudal;
using namespace caudal::testing;
using namespace std::chrono_literals;

namespace {

msg::create_topics_response create_topic(node_fixture& f, node_fixture::client& c,
                                         const std::string& name, int32_t partitions,
                                         std::map<std::string, std::string> configs = {}) {
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  for (auto& [k, v] : configs) {
    auto& cfg = t.configs.emplace_back();
    cfg.name = k;
    cfg.value = v;
  }
  req.timeout_ms = 1000;
  return f.call<msg::create_topics_response>(c, req, 7);
}

protocol::byte_buffer make_batch(const std::vector<std::pair<std::string, std::string>>& kvs,
                                 int64_t ts = 1000) {
  protocol::batch_builder b;
  for (auto& [k, v] : kvs) b.add_text(ts, k, v);
  return b.build();
}

msg::produce_request produce_req(const std::string& topic, int32_t partition,
                                 protocol::byte_buffer records, int16_t acks = -1) {
  msg::produce_request req;
  req.acks = acks;
  req.timeout_ms = 1000;
  auto& td = req.topic_data.emplace_back();
  td.name = topic;
  auto& pd = td.partition_data.emplace_back();
  pd.index = partition;
  pd.records = std::move(records);
  return req;
}

msg::fetch_request fetch_req(const std::string& topic, int32_t partition, int64_t offset,
                             int32_t max_wait_ms = 0, int32_t min_bytes = 1) {
  msg::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = max_wait_ms;
  req.min_bytes = min_bytes;
  req.max_bytes = 1 << 20;
  req.session_epoch = -1;
  auto& t = req.topics.emplace_back();
  t.topic = topic;
  auto& p = t.partitions.emplace_back();
  p.partition = partition;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  return req;
}

int16_t produce_error(const msg::produce_response& r) {
  BOOST_REQUIRE_EQUAL(r.responses.size(), 1u);
  BOOST_REQUIRE_EQUAL(r.responses[0].partition_responses.size(), 1u);
  return r.responses[0].partition_responses[0].error_code;
}

} // namespace

BOOST_AUTO_TEST_CASE(api_versions_lists_served_ranges) {
  node_fixture f;
  auto c = f.connect();
  auto resp = f.call<msg::api_versions_response>(c, msg::api_versions_request{}, 3);
  BOOST_CHECK_EQUAL(resp.error_code, 0);
  bool produce = false, fetch = false;
  for (auto& k : resp.api_keys) {
    if (k.api_key == 0) produce = k.min_version == 3 && k.max_version >= 9;
    if (k.api_key == 1) fetch = k.min_version == 4 && k.max_version >= 11;
  }
  BOOST_CHECK(produce);
  BOOST_CHECK(fetch);
}

BOOST_AUTO_TEST_CASE(unknown_api_versions_version_gets_v0_error) {
  node_fixture f;
  auto c = f.connect();
  auto corr = f.send(c, msg::api_versions_request{}, 3);
  (void)corr;
  // Re-send with an unsupported version number by patching the header.
  protocol::byte_buffer frame;
  protocol::writer w{frame};
  w.i16(18);
  w.i16(99);
  w.i32(77);
  w.i16(-1);
  w.uvarint(0); // header v2 tagged fields: v99 would be a flexible version
  f.send_raw(c, frame);
  c.responses->pop(); // the v3 answer
  auto second = c.responses->pop();
  BOOST_REQUIRE(second.has_value());
  auto resp = node_fixture::decode<msg::api_versions_response>(*second, 18, 0, 77);
  BOOST_CHECK_EQUAL(resp.error_code, 35);
  BOOST_CHECK(!resp.api_keys.empty());
}

BOOST_AUTO_TEST_CASE(create_topic_then_metadata_and_errors) {
  node_fixture f;
  auto c = f.connect();
  auto created = create_topic(f, c, "orders", 3);
  BOOST_REQUIRE_EQUAL(created.topics.size(), 1u);
  BOOST_CHECK_EQUAL(created.topics[0].error_code, 0);
  BOOST_CHECK_EQUAL(created.topics[0].num_partitions, 3);
  BOOST_CHECK(created.topics[0].topic_id != protocol::uuid{});

  BOOST_CHECK_EQUAL(create_topic(f, c, "orders", 3).topics[0].error_code, 36);
  BOOST_CHECK_EQUAL(create_topic(f, c, "bad/name", 1).topics[0].error_code, 17);
  BOOST_CHECK_EQUAL(create_topic(f, c, std::string(250, 'a'), 1).topics[0].error_code, 17);
  BOOST_CHECK_EQUAL(create_topic(f, c, "cfg", 1, {{"retention.ms", "soon"}}).topics[0].error_code,
                    40);

  msg::metadata_request mreq;
  mreq.topics.emplace();
  auto& t = mreq.topics->emplace_back();
  t.name = "orders";
  auto meta = f.call<msg::metadata_response>(c, mreq, 12);
  BOOST_REQUIRE_EQUAL(meta.brokers.size(), 1u);
  BOOST_REQUIRE_EQUAL(meta.topics.size(), 1u);
  BOOST_CHECK_EQUAL(meta.topics[0].error_code, 0);
  BOOST_CHECK_EQUAL(meta.topics[0].partitions.size(), 3u);
  BOOST_CHECK(meta.topics[0].topic_id == created.topics[0].topic_id);
}

BOOST_AUTO_TEST_CASE(metadata_auto_creates_when_allowed) {
  node_fixture f;
  auto c = f.connect();
  msg::metadata_request mreq;
  mreq.topics.emplace();
  mreq.topics->emplace_back().name = "auto-topic";
  mreq.allow_auto_topic_creation = false;
  auto no = f.call<msg::metadata_response>(c, mreq, 9);
  BOOST_CHECK_EQUAL(no.topics[0].error_code, 3);
  mreq.allow_auto_topic_creation = true;
  auto yes = f.call<msg::metadata_response>(c, mreq, 9);
  BOOST_CHECK_EQUAL(yes.topics[0].error_code, 0);
  BOOST_CHECK_EQUAL(yes.topics[0].partitions.size(), 1u);
}

BOOST_AUTO_TEST_CASE(produce_then_fetch_returns_the_same_records) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 2);
  auto batch = make_batch({{"k1", "v1"}, {"k2", "v2"}});
  auto r1 = f.call<msg::produce_response>(c, produce_req("t", 1, batch), 9);
  BOOST_CHECK_EQUAL(produce_error(r1), 0);
  BOOST_CHECK_EQUAL(r1.responses[0].partition_responses[0].base_offset, 0);
  auto r2 = f.call<msg::produce_response>(c, produce_req("t", 1, make_batch({{"k3", "v3"}})), 3);
  BOOST_CHECK_EQUAL(r2.responses[0].partition_responses[0].base_offset, 2);

  auto fr = f.call<msg::fetch_response>(c, fetch_req("t", 1, 0), 11);
  BOOST_REQUIRE_EQUAL(fr.responses.size(), 1u);
  auto& pd = fr.responses[0].partitions.at(0);
  BOOST_CHECK_EQUAL(pd.error_code, 0);
  BOOST_CHECK_EQUAL(pd.high_watermark, 3);
  BOOST_REQUIRE(pd.records.has_value());
  std::vector<protocol::batch_span> spans;
  BOOST_REQUIRE(protocol::split_batches(*pd.records, spans) == protocol::batch_error::none);
  BOOST_REQUIRE_EQUAL(spans.size(), 2u);
  BOOST_CHECK_EQUAL(spans[1].header.base_offset, 2);
  std::vector<protocol::record> recs;
  auto first = std::span<const uint8_t>{*pd.records}.subspan(0, spans[0].header.total_size());
  BOOST_REQUIRE(protocol::decode_records(first, recs) == protocol::batch_error::none);
  BOOST_REQUIRE_EQUAL(recs.size(), 2u);
  BOOST_CHECK(std::string(recs[1].value->begin(), recs[1].value->end()) == "v2");
  // From the magic byte on (CRC included) the stored bytes are the
  // producer's: only base offset and leader epoch are assigned in place.
  BOOST_CHECK(std::equal(batch.begin() + 16, batch.end(), first.begin() + 16));
}

BOOST_AUTO_TEST_CASE(bad_produce_input_gets_protocol_errors) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  auto batch = make_batch({{"k", "v"}});
  auto corrupt = batch;
  corrupt.back() ^= 0xff; // inside the CRC range
  BOOST_CHECK_EQUAL(
      produce_error(f.call<msg::produce_response>(c, produce_req("t", 0, corrupt), 9)), 2);
  BOOST_CHECK_EQUAL(produce_error(f.call<msg::produce_response>(c, produce_req("t", 7, batch), 9)),
                    3);
  BOOST_CHECK_EQUAL(
      produce_error(f.call<msg::produce_response>(c, produce_req("nope", 0, batch), 9)), 3);
  BOOST_CHECK_EQUAL(
      produce_error(f.call<msg::produce_response>(c, produce_req("no/pe", 0, batch), 9)), 17);
  BOOST_CHECK_EQUAL(
      produce_error(f.call<msg::produce_response>(c, produce_req("t", 0, batch, 5), 9)), 21);
  auto truncated = protocol::byte_buffer(batch.begin(), batch.begin() + 30);
  BOOST_CHECK_EQUAL(
      produce_error(f.call<msg::produce_response>(c, produce_req("t", 0, truncated), 9)), 2);
  // Nothing was stored by the rejected requests.
  auto fr = f.call<msg::fetch_response>(c, fetch_req("t", 0, 0), 11);
  BOOST_CHECK_EQUAL(fr.responses[0].partitions[0].high_watermark, 0);
}

BOOST_AUTO_TEST_CASE(acks_zero_sends_no_response_but_keeps_order) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  f.send(c, produce_req("t", 0, make_batch({{"a", "1"}}), 0), 9);
  auto corr = f.send(c, msg::api_versions_request{}, 3);
  auto none = c.responses->pop();
  BOOST_CHECK(!none.has_value());
  auto next = c.responses->pop();
  BOOST_REQUIRE(next.has_value());
  node_fixture::decode<msg::api_versions_response>(*next, 18, 3, corr);
}

BOOST_AUTO_TEST_CASE(garbage_closes_the_connection_and_node_stays_up) {
  node_fixture f;
  auto c = f.connect();
  f.send_raw(c, protocol::byte_buffer{0x01});
  BOOST_CHECK(c.responses->wait_closed());
  auto c2 = f.connect();
  f.send_raw(c2, protocol::byte_buffer{0x00, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff});
  BOOST_CHECK(c2.responses->wait_closed()); // unknown API key 99
  auto c3 = f.connect();
  auto resp = f.call<msg::api_versions_response>(c3, msg::api_versions_request{}, 3);
  BOOST_CHECK_EQUAL(resp.error_code, 0);
}

BOOST_AUTO_TEST_CASE(long_poll_fetch_wakes_on_produce_and_keeps_response_order) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  auto fetch_corr = f.send(c, fetch_req("t", 0, 0, 5000), 11);
  auto av_corr = f.send(c, msg::api_versions_request{}, 3);
  auto producer = f.connect();
  auto start = std::chrono::steady_clock::now();
  f.call<msg::produce_response>(producer, produce_req("t", 0, make_batch({{"k", "v"}})), 9);
  auto first = c.responses->pop();
  auto waited = std::chrono::steady_clock::now() - start;
  BOOST_CHECK(waited < 4s); // woken by the append, not by max_wait
  auto fr = node_fixture::decode<msg::fetch_response>(*first, 1, 11, fetch_corr);
  BOOST_CHECK(fr.responses[0].partitions[0].records->size() > 0);
  auto second = c.responses->pop();
  node_fixture::decode<msg::api_versions_response>(*second, 18, 3, av_corr);
}

BOOST_AUTO_TEST_CASE(long_poll_times_out_with_empty_records) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  auto start = std::chrono::steady_clock::now();
  auto fr = f.call<msg::fetch_response>(c, fetch_req("t", 0, 0, 300), 11);
  BOOST_CHECK(std::chrono::steady_clock::now() - start >= 250ms);
  BOOST_CHECK_EQUAL(fr.responses[0].partitions[0].error_code, 0);
  BOOST_CHECK(fr.responses[0].partitions[0].records->empty());
}

BOOST_AUTO_TEST_CASE(fetch_out_of_range_offset) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  auto fr = f.call<msg::fetch_response>(c, fetch_req("t", 0, 5), 11);
  BOOST_CHECK_EQUAL(fr.responses[0].partitions[0].error_code, 1);
}

BOOST_AUTO_TEST_CASE(incremental_fetch_session) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 2);
  f.call<msg::produce_response>(c, produce_req("t", 0, make_batch({{"k", "v"}})), 9);
  auto req = fetch_req("t", 0, 0);
  req.topics[0].partitions.push_back(req.topics[0].partitions[0]);
  req.topics[0].partitions[1].partition = 1;
  req.session_id = 0;
  req.session_epoch = 0; // open a session
  auto full = f.call<msg::fetch_response>(c, req, 11);
  BOOST_CHECK(full.session_id != 0);
  BOOST_CHECK_EQUAL(full.responses[0].partitions.size(), 2u);

  // Incremental: partition 0 moves to offset 1; nothing new anywhere.
  msg::fetch_request inc = fetch_req("t", 0, 1);
  inc.session_id = full.session_id;
  inc.session_epoch = 1;
  auto r1 = f.call<msg::fetch_response>(c, inc, 11);
  BOOST_CHECK_EQUAL(r1.error_code, 0);
  BOOST_CHECK(r1.responses.empty()); // no partition changed

  f.call<msg::produce_response>(c, produce_req("t", 1, make_batch({{"x", "y"}})), 9);
  msg::fetch_request inc2 = fetch_req("t", 0, 1);
  inc2.topics.clear();
  inc2.session_id = full.session_id;
  inc2.session_epoch = 2;
  auto r2 = f.call<msg::fetch_response>(c, inc2, 11);
  BOOST_REQUIRE_EQUAL(r2.responses.size(), 1u);
  BOOST_REQUIRE_EQUAL(r2.responses[0].partitions.size(), 1u);
  BOOST_CHECK_EQUAL(r2.responses[0].partitions[0].partition_index, 1);

  inc2.session_epoch = 7;
  BOOST_CHECK_EQUAL(f.call<msg::fetch_response>(c, inc2, 11).error_code, 71);
  inc2.session_id = 12345;
  BOOST_CHECK_EQUAL(f.call<msg::fetch_response>(c, inc2, 11).error_code, 70);
}

BOOST_AUTO_TEST_CASE(list_offsets_earliest_latest_and_timestamp) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  f.call<msg::produce_response>(c, produce_req("t", 0, make_batch({{"a", "1"}}, 1000)), 9);
  f.call<msg::produce_response>(c, produce_req("t", 0, make_batch({{"b", "2"}}, 2000)), 9);
  auto ask = [&](int64_t ts) {
    msg::list_offsets_request req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.name = "t";
    auto& p = t.partitions.emplace_back();
    p.partition_index = 0;
    p.timestamp = ts;
    auto resp = f.call<msg::list_offsets_response>(c, req, 7);
    return resp.topics.at(0).partitions.at(0);
  };
  BOOST_CHECK_EQUAL(ask(-2).offset, 0);
  BOOST_CHECK_EQUAL(ask(-1).offset, 2);
  BOOST_CHECK_EQUAL(ask(1500).offset, 1);
  BOOST_CHECK_EQUAL(ask(1500).timestamp, 2000);
  BOOST_CHECK_EQUAL(ask(5000).offset, -1);
}

BOOST_AUTO_TEST_CASE(offset_for_leader_epoch_and_epoch_fenced_fetch) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  f.call<msg::produce_response>(c, produce_req("t", 0, make_batch({{"a", "1"}}, 1000)), 9);
  f.call<msg::produce_response>(c, produce_req("t", 0, make_batch({{"b", "2"}}, 2000)), 9);
  auto epoch_end = [&](int32_t current, int32_t epoch, const std::string& topic = "t") {
    msg::offset_for_leader_epoch_request req;
    auto& t = req.topics.emplace_back();
    t.topic = topic;
    auto& p = t.partitions.emplace_back();
    p.current_leader_epoch = current;
    p.leader_epoch = epoch;
    return f.call<msg::offset_for_leader_epoch_response>(c, req, 4).topics.at(0).partitions.at(0);
  };
  auto e = epoch_end(0, 0); // a single node writes everything in epoch 0
  BOOST_CHECK_EQUAL(e.error_code, 0);
  BOOST_CHECK_EQUAL(e.leader_epoch, 0);
  BOOST_CHECK_EQUAL(e.end_offset, 2);
  BOOST_CHECK_EQUAL(epoch_end(-1, 5).end_offset, -1); // Kafka: unknown for an epoch above the latest
  BOOST_CHECK_EQUAL(epoch_end(3, 0).error_code, 75);  // UNKNOWN_LEADER_EPOCH
  BOOST_CHECK_EQUAL(epoch_end(0, 0, "nope").error_code, 3);
  auto fetch_with_epoch = [&](int32_t epoch) {
    msg::fetch_request req;
    req.max_wait_ms = 0;
    auto& t = req.topics.emplace_back();
    t.topic = "t";
    auto& p = t.partitions.emplace_back();
    p.fetch_offset = 0;
    p.current_leader_epoch = epoch;
    p.partition_max_bytes = 1 << 20;
    return f.call<msg::fetch_response>(c, req, 11).responses.at(0).partitions.at(0);
  };
  BOOST_CHECK_EQUAL(fetch_with_epoch(0).error_code, 0);
  BOOST_CHECK(fetch_with_epoch(0).records.has_value());
  BOOST_CHECK_EQUAL(fetch_with_epoch(1).error_code, 75);
  BOOST_CHECK_EQUAL(fetch_with_epoch(-1).error_code, 0);
}

BOOST_AUTO_TEST_CASE(configs_describe_alter_incremental) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1, {{"retention.ms", "1000"}});
  auto describe = [&] {
    msg::describe_configs_request req;
    auto& r = req.resources.emplace_back();
    r.resource_type = 2;
    r.resource_name = "t";
    auto resp = f.call<msg::describe_configs_response>(c, req, 4);
    std::map<std::string, std::pair<std::string, bool>> out;
    for (auto& e : resp.results.at(0).configs) out[e.name] = {e.value.value_or(""), e.is_default};
    return out;
  };
  auto d = describe();
  BOOST_CHECK_EQUAL(d["retention.ms"].first, "1000");
  BOOST_CHECK(d.count("segment.bytes"));
  BOOST_CHECK(d.count("cleanup.policy"));

  msg::incremental_alter_configs_request inc;
  auto& res = inc.resources.emplace_back();
  res.resource_type = 2;
  res.resource_name = "t";
  auto& op = res.configs.emplace_back();
  op.name = "segment.bytes";
  op.config_operation = 0;
  op.value = "1048576";
  auto& del = res.configs.emplace_back();
  del.name = "retention.ms";
  del.config_operation = 1;
  auto ir = f.call<msg::incremental_alter_configs_response>(c, inc, 1);
  BOOST_CHECK_EQUAL(ir.responses.at(0).error_code, 0);
  d = describe();
  BOOST_CHECK_EQUAL(d["segment.bytes"].first, "1048576");
  BOOST_CHECK_EQUAL(d["retention.ms"].first, "604800000");

  res.configs.resize(1);
  res.configs[0].value = "-5";
  BOOST_CHECK_EQUAL(
      f.call<msg::incremental_alter_configs_response>(c, inc, 1).responses.at(0).error_code, 40);
}

BOOST_AUTO_TEST_CASE(delete_and_recreate_topic) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  f.call<msg::produce_response>(c, produce_req("t", 0, make_batch({{"a", "1"}})), 9);
  msg::delete_topics_request del;
  del.topic_names = {"t"};
  auto dr = f.call<msg::delete_topics_response>(c, del, 5);
  BOOST_CHECK_EQUAL(dr.responses.at(0).error_code, 0);
  BOOST_CHECK_EQUAL(f.call<msg::delete_topics_response>(c, del, 5).responses.at(0).error_code, 3);
  BOOST_CHECK_EQUAL(create_topic(f, c, "t", 1).topics.at(0).error_code, 0);
  auto fr = f.call<msg::fetch_response>(c, fetch_req("t", 0, 0), 11);
  BOOST_CHECK_EQUAL(fr.responses[0].partitions[0].high_watermark, 0);
}

BOOST_AUTO_TEST_CASE(create_partitions_grows_topic) {
  node_fixture f;
  auto c = f.connect();
  create_topic(f, c, "t", 1);
  msg::create_partitions_request req;
  auto& t = req.topics.emplace_back();
  t.name = "t";
  t.count = 4;
  req.timeout_ms = 1000;
  BOOST_CHECK_EQUAL(f.call<msg::create_partitions_response>(c, req, 3).results.at(0).error_code, 0);
  t.count = 2;
  BOOST_CHECK_EQUAL(f.call<msg::create_partitions_response>(c, req, 3).results.at(0).error_code,
                    37);
  auto pr = f.call<msg::produce_response>(c, produce_req("t", 3, make_batch({{"a", "1"}})), 9);
  BOOST_CHECK_EQUAL(produce_error(pr), 0);
}
