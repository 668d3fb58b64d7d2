"""kafka-python 2.0.2: KafkaAdminClient create/describe-configs/delete, keyed produce with
headers, assign() consume, byte-exact comparison."""

import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import TopicAlreadyExistsError

import clients
import harness
from harness import check, check_equal

TOPIC = "kafka-python-topic"
PARTITIONS = 3
COUNT = 300


def admin_checks(admin):
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1, topic_configs={"retention.ms": "3600000"}),
                         NewTopic("short-lived", 1, 1)], timeout_ms=10000)
    check({TOPIC, "short-lived"} <= set(admin.list_topics()), "created topics not listed")
    try:
        admin.create_topics([NewTopic(TOPIC, 1, 1)], timeout_ms=10000)
        raise harness.TestFailure("second create of the same topic succeeded")
    except TopicAlreadyExistsError:
        pass
    responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC)])
    resources = [r for resp in responses for r in resp.resources]
    check_equal(len(resources), 1, "described resources")
    error_code, _, _, name, entries = resources[0][:5]
    check_equal((error_code, name), (0, TOPIC), "describe configs result")
    configs = {e[0]: e[1] for e in entries}
    check_equal(configs.get("retention.ms"), "3600000", "retention.ms set at creation")
    admin.delete_topics(["short-lived"], timeout_ms=10000)
    harness.wait_until(lambda: "short-lived" not in admin.list_topics(), 10, "topic deletion")


def produce_all(bootstrap, messages):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    futures = [producer.send(TOPIC, key=k, value=v, headers=h) for k, v, h in messages]
    producer.flush(30)
    metadata = [f.get(timeout=30) for f in futures]
    producer.close(10)
    return [(m.partition, m.offset) for m in metadata]


def consume_all(bootstrap, counts):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    partitions = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    got, deadline = {}, time.monotonic() + 30
    while len(got) < sum(counts.values()):
        check(time.monotonic() < deadline, f"timed out: {len(got)} records read")
        for tp, records in consumer.poll(timeout_ms=500).items():
            for r in records:
                got[(tp.partition, r.offset)] = (r.key, r.value, list(r.headers))
    end = consumer.end_offsets(partitions)
    consumer.close()
    check_equal({tp.partition: o for tp, o in end.items()}, counts, "end offsets")
    return got


def test(ctx):
    node = ctx.node()
    admin = KafkaAdminClient(bootstrap_servers=node.bootstrap, client_id="caudal-it")
    try:
        admin_checks(admin)
    finally:
        admin.close()
    messages = clients.make_messages(COUNT, seed=11)
    positions = produce_all(node.bootstrap, messages)
    by_key = {}
    for (key, _, _), (p, _) in zip(messages, positions):
        by_key.setdefault(key, set()).add(p)
    check(all(len(p) == 1 for p in by_key.values()), "a key spread over partitions")
    expected = dict(zip(positions, messages))
    check_equal(len(expected), COUNT, "distinct (partition, offset) pairs")
    counts = {p: sum(1 for (pp, _) in positions if pp == p) for p in range(PARTITIONS)}
    clients.assert_same_records(consume_all(node.bootstrap, counts), expected, "kafka-python")
    # The same data through another client.
    got = clients.read_partitions(node.bootstrap, TOPIC, range(PARTITIONS), counts)
    clients.assert_same_records(got, expected, "confluent-kafka")


if __name__ == "__main__":
    harness.main(test)
