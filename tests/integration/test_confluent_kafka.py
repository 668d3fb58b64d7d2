"""python3-confluent-kafka: AdminClient create, keyed produce with headers, assign() consume,
byte-exact comparison, keys map to a consistent partition."""

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import clients
import harness
from harness import check, check_equal

TOPIC = "confluent-topic"
PARTITIONS = 3
COUNT = 400


def produce_all(bootstrap, messages):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                         "compression.codec": "none"})
    reports = {}

    def on_delivery(i):
        def report(err, msg):
            reports[i] = (err, msg.partition(), msg.offset())
        return report

    for i, (key, value, headers) in enumerate(messages):
        producer.produce(TOPIC, key=key, value=value, headers=headers, on_delivery=on_delivery(i))
        producer.poll(0)
    remaining = producer.flush(30)
    check_equal(remaining, 0, "messages still queued after flush")
    return reports


def test(ctx):
    node = ctx.node()
    admin = AdminClient({"bootstrap.servers": node.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)], operation_timeout=10)[TOPIC].result(20)
    md = admin.list_topics(timeout=10)
    check(TOPIC in md.topics, "created topic missing from metadata")
    check_equal(sorted(md.topics[TOPIC].partitions), list(range(PARTITIONS)), "partitions")
    # Creating it again fails with TOPIC_ALREADY_EXISTS.
    try:
        admin.create_topics([NewTopic(TOPIC, 1, 1)])[TOPIC].result(20)
        raise harness.TestFailure("second create of the same topic succeeded")
    except KafkaException as e:
        check_equal(e.args[0].name(), "TOPIC_ALREADY_EXISTS", "error of duplicate create")

    messages = clients.make_messages(COUNT)
    reports = produce_all(node.bootstrap, messages)
    check_equal(len(reports), COUNT, "delivery reports")
    failed = [(i, r[0]) for i, r in reports.items() if r[0] is not None]
    check(not failed, f"failed deliveries: {failed[:5]}")

    # The default partitioner maps equal keys to one partition.
    partition_of_key = {}
    for i, (key, _, _) in enumerate(messages):
        partition_of_key.setdefault(key, set()).add(reports[i][1])
    check(all(len(p) == 1 for p in partition_of_key.values()), "a key spread over partitions")
    check(len({r[1] for r in reports.values()}) > 1, "all keys landed in a single partition")

    expected = {(reports[i][1], reports[i][2]): (k, v, h) for i, (k, v, h) in enumerate(messages)}
    counts = {p: sum(1 for (pp, _) in expected if pp == p) for p in range(PARTITIONS)}
    for p in range(PARTITIONS):
        offsets = sorted(o for (pp, o) in expected if pp == p)
        check_equal(offsets, list(range(counts[p])), f"offsets of partition {p}")
    got = clients.read_partitions(node.bootstrap, TOPIC, range(PARTITIONS), counts)
    clients.assert_same_records(got, expected, "consumed")

    # Watermarks (ListOffsets) agree with what was produced.
    c = Consumer({"bootstrap.servers": node.bootstrap, "group.id": "caudal-it-wm"})
    try:
        for p in range(PARTITIONS):
            lo, hi = c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
            check_equal((lo, hi), (0, counts[p]), f"watermarks of partition {p}")
    finally:
        c.close()


if __name__ == "__main__":
    harness.main(test)
