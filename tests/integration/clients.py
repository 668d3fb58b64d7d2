"""Shared helpers for the tests that use the Python Kafka clients: deterministic message
sets and a confluent-kafka reader that fetches partitions by assign() (no group)."""

import random
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

import harness


def make_messages(n, seed=7):
    """n messages mixing UTF-8, binary, empty and null values, with repeated keys and
    headers (incl. duplicate header keys and empty values). Returns [(key, value, headers)]."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        key = f"user-{i % 17}".encode()
        kind = i % 5
        if kind == 0:
            value = f"caf\u00e9 #{i} \u2603 \U0001F680".encode()
        elif kind == 1:
            value = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        elif kind == 2:
            value = b""
        elif kind == 3:
            value = None
        else:
            value = b"x" * rng.randrange(1000, 5000)
        headers = [("seq", str(i).encode()), ("bin", bytes([i % 256, 0, 255])),
                   ("dup", b"a"), ("dup", b"")]
        out.append((key, value, headers))
    return out


def read_partitions(bootstrap, topic, partitions, expected_counts, timeout=30, start=None):
    """Reads each partition from `start` (default: beginning) until it holds
    expected_counts[p] records; returns {(partition, offset): (key, value, headers)}."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "caudal-it-reader",  # required by confluent-kafka; never joined
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
    })
    start = start or {}
    consumer.assign([TopicPartition(topic, p, start.get(p, OFFSET_BEGINNING)) for p in partitions])
    got, counts = {}, {p: 0 for p in partitions}
    deadline = time.monotonic() + timeout
    try:
        while any(counts[p] < expected_counts[p] for p in partitions):
            harness.check(time.monotonic() < deadline,
                          f"timed out reading {topic}: have {counts}, want {expected_counts}")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                harness.check(not msg.error().fatal(), f"fatal consumer error {msg.error()}")
                continue
            got[(msg.partition(), msg.offset())] = (msg.key(), msg.value(), msg.headers() or [])
            counts[msg.partition()] += 1
    finally:
        consumer.close()
    return got


def assert_same_records(got, expected, what):
    """got/expected: {(partition, offset): (key, value, headers)}; byte-exact comparison."""
    harness.check_equal(sorted(got), sorted(expected), f"{what}: positions")
    for pos in sorted(expected):
        harness.check_equal(got[pos], expected[pos], f"{what}: record at {pos}")


def watermarks(bootstrap, topic, partitions):
    """{partition: (low, high)} through ListOffsets."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "caudal-it-watermarks"})
    try:
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                for p in partitions}
    finally:
        consumer.close()
