"""Time-based retention: a topic with tiny segments and a short retention.ms loses its old
segments; ListOffsets(earliest) advances; a fetch below the log start gets
OFFSET_OUT_OF_RANGE; consumers recover with auto.offset.reset earliest and latest."""

import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import harness
import kafka_wire
from harness import check, check_equal

TOPIC = "retention-topic"
RECORDS = 120
OFFSET_OUT_OF_RANGE = 1


def produce_in_separate_batches(bootstrap, count, prefix):
    # One flush per record: every record is its own batch, so segments can roll often.
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": "all"})
    for i in range(count):
        producer.produce(TOPIC, key=b"k", value=f"{prefix}-{i}-".encode() + b"r" * 200)
        producer.flush(10)
    check_equal(producer.flush(10), 0, "unflushed records")


def first_record(bootstrap, reset, start_offset, after_reset=None):
    """(offset, value) of the first record a consumer gets when it starts at start_offset;
    after_reset() runs once the consumer had time to fetch (and reset its position)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "caudal-it-retention",
                         "enable.auto.commit": False, "auto.offset.reset": reset})
    consumer.assign([TopicPartition(TOPIC, 0, start_offset)])
    try:
        started = time.monotonic()
        while time.monotonic() < started + 30:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                return msg.offset(), msg.value()
            if after_reset is not None and time.monotonic() > started + 2:
                after_reset()
                after_reset = None
        raise harness.TestFailure(f"no record with auto.offset.reset={reset}")
    finally:
        consumer.close()


def test(ctx):
    node = ctx.node({"log.retention.check.interval.ms": "200"})
    admin = AdminClient({"bootstrap.servers": node.bootstrap})
    admin.create_topics([NewTopic(TOPIC, 1, 1, config={
        "segment.bytes": "2048", "retention.ms": "1500"})])[TOPIC].result(20)
    produce_in_separate_batches(node.bootstrap, RECORDS, "old")

    conn = kafka_wire.Connection("127.0.0.1", node.port)
    check_equal(kafka_wire.list_offset(conn, TOPIC, 0, kafka_wire.EARLIEST), (0, 0),
                "earliest before retention")
    check_equal(kafka_wire.list_offset(conn, TOPIC, 0, kafka_wire.LATEST), (0, RECORDS),
                "latest before retention")

    def log_start():
        code, offset = kafka_wire.list_offset(conn, TOPIC, 0, kafka_wire.EARLIEST)
        check_equal(code, 0, "ListOffsets error")
        return offset if offset > 0 else None

    start = harness.wait_until(log_start, 30, "retention to delete old segments", 0.2)
    check(start <= RECORDS, f"log start {start} beyond the end {RECORDS}")
    check_equal(kafka_wire.list_offset(conn, TOPIC, 0, kafka_wire.LATEST), (0, RECORDS),
                "latest after retention")

    part = kafka_wire.fetch(conn, TOPIC, 0, 0)
    check_equal(part["ErrorCode"], OFFSET_OUT_OF_RANGE, "fetch below the log start")
    if start < RECORDS:
        part = kafka_wire.fetch(conn, TOPIC, 0, start)
        check_equal(part["ErrorCode"], 0, "fetch at the log start")
        records = kafka_wire.read_batches(part["Records"] or b"")
        check(records and records[0][0] == start, f"first fetched offset {records[:1]}")
    conn.close()

    # New records after retention; consumers starting at a deleted offset recover.
    produce_in_separate_batches(node.bootstrap, 3, "new")
    offset, _ = first_record(node.bootstrap, "earliest", 0)
    conn = kafka_wire.Connection("127.0.0.1", node.port)
    code, earliest = kafka_wire.list_offset(conn, TOPIC, 0, kafka_wire.EARLIEST)
    conn.close()
    check_equal(code, 0, "ListOffsets error")
    # Retention keeps running, so the log start may have moved on since the reset.
    check(start <= offset <= max(earliest, start),
          f"earliest reset went to {offset} (log start {start}, now {earliest})")

    # "latest" skips everything present at reset time; a record produced afterwards arrives.
    offset, value = first_record(node.bootstrap, "latest", 0,
                                 lambda: produce_in_separate_batches(node.bootstrap, 1, "late"))
    check_equal((offset, value[:7]), (RECORDS + 3, b"late-0-"), "first record after latest reset")


if __name__ == "__main__":
    harness.main(test)
