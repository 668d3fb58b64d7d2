"""Load and end-to-end checks shared by cluster tests that change the cluster under load.

Used by test_cluster_failover.py and test_cluster_grow.py, parameterized by topic,
partition count and group:

* Writer: an idempotent acks=all confluent-kafka producer writing "<name>:<seq>"
  round-robin over the partitions, recording every delivery report; its error callback
  counts client-level errors (retriable ones are expected while leaders move) and keeps
  fatal ones, which fail the test.
* GroupMember: a consumer group member committing synchronously every 50 records or second.
* Both take an optional log file for librdkafka's debug log (kept with the node logs when a
  test fails: it says which request a stuck client was waiting for).
* join_all: stops and joins the load threads; a thread that does not finish fails the test
  with its Python stack.
* read_everything / check_acknowledged / check_order / check_group_resumes /
  check_member_saw_committed: every acknowledged record stored exactly once at its
  reported offset, per-partition order per producer, and the group resuming at its
  committed offsets.
"""

import collections
import logging
import sys
import threading
import time
import traceback

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

import cluster_harness as ch
from cluster_harness import check, check_equal

PARTITION_EOF = -191  # confluent_kafka.KafkaError._PARTITION_EOF


def debug_log(config, name, log_path, categories):
    """Adds librdkafka's debug log of `categories` to `config`, written to `log_path`;
    returns the logger argument for the client (None without a path)."""
    if not log_path:
        return None
    logger = logging.getLogger(f"rdkafka-{name}")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(logging.FileHandler(log_path))
    config["debug"] = categories
    return logger


class Writer(threading.Thread):
    """One idempotent producer writing "<name>:<seq>" round-robin over the partitions."""

    def __init__(self, name, bootstrap, topic, partitions, log_path=None):
        super().__init__(daemon=True)
        self.name = name
        self.topic = topic
        self.partitions = partitions
        config = {
            "bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
            "linger.ms": 5, "message.timeout.ms": 150000, "retry.backoff.ms": 100,
            "topic.metadata.refresh.interval.ms": 1000, "client.id": name,
            "error_cb": self.client_error}
        logger = debug_log(config, name, log_path, "eos,msg,topic,broker")
        self.producer = Producer(config, logger=logger) if logger else Producer(config)
        self.stopping = threading.Event()
        self.sent = 0
        self.acked = []  # (partition, offset, seq, monotonic time of the report)
        self.failed = []  # (seq, error)
        self.errors = collections.Counter()  # client errors by name (retriable or not)
        self.fatal = []
        self.unflushed = None
        self.outstanding = {}  # seq -> partition, until its delivery report arrives

    def client_error(self, err):
        self.errors[err.name()] += 1
        if err.fatal():
            self.fatal.append(str(err))

    def report(self, err, msg):
        seq = int(msg.value().decode().split(":")[1])
        self.outstanding.pop(seq, None)
        if err is not None:
            self.failed.append((seq, str(err)))
        else:
            self.acked.append((msg.partition(), msg.offset(), seq, time.monotonic()))

    def stuck(self):
        """{partition: [seq, ...]} of records without a delivery report."""
        out = {}
        for seq, p in sorted(self.outstanding.items()):
            out.setdefault(p, []).append(seq)
        return out

    def run(self):
        while not self.stopping.is_set():
            value = f"{self.name}:{self.sent:08d}".encode()
            try:
                self.producer.produce(self.topic, value=value,
                                      partition=self.sent % self.partitions,
                                      on_delivery=self.report)
            except BufferError:  # queue full while a partition has no leader: wait
                self.producer.poll(0.05)
                continue
            self.outstanding[self.sent] = self.sent % self.partitions
            self.sent += 1
            self.producer.poll(0)
            time.sleep(0.004)
        self.unflushed = self.producer.flush(150)


class GroupMember(threading.Thread):
    """A consumer group member that commits synchronously every 50 records or second."""

    def __init__(self, bootstrap, topic, group, log_path=None):
        super().__init__(daemon=True, name="group-member")
        self.topic = topic
        config = {
            "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500, "client.id": "member-1",
            # A synchronous commit to a SIGSTOPped coordinator waits for this long; the
            # default (60 s) would stall the member for the rest of the run.
            "socket.timeout.ms": 5000}
        logger = debug_log(config, "member", log_path, "cgrp")
        self.consumer = Consumer(config, logger=logger) if logger else Consumer(config)
        self.stopping = threading.Event()
        self.seen = {}  # (partition, offset) -> value
        self.committed = {}  # partition -> last successfully committed offset
        self.commit_failures = 0
        self.longest_commit = 0.0  # seconds a synchronous commit blocked the member
        self.errors = []  # consumer errors seen by poll(), for the report
        self.assignments = []

    def commit(self):
        started = time.monotonic()
        try:
            for tp in self.consumer.commit(asynchronous=False) or []:
                if tp.error is None and tp.offset >= 0:
                    self.committed[tp.partition] = tp.offset
        except KafkaException:
            self.commit_failures += 1  # retriable while the coordinator moves
        self.longest_commit = max(self.longest_commit, time.monotonic() - started)

    def assigned(self, consumer, partitions):
        self.assignments.append(sorted(p.partition for p in partitions))

    def run(self):
        self.consumer.subscribe([self.topic], on_assign=self.assigned)
        since_commit, last_commit = 0, time.monotonic()
        while not self.stopping.is_set():
            msg = self.consumer.poll(0.2)
            if msg is not None and msg.error():
                self.errors.append(str(msg.error()))
            elif msg is not None:
                self.seen[(msg.partition(), msg.offset())] = msg.value()
                since_commit += 1
            if since_commit and (since_commit >= 50 or time.monotonic() - last_commit > 1):
                self.commit()
                since_commit, last_commit = 0, time.monotonic()
        # No final commit: the next member must read what came after the last commit.
        self.consumer.close()


def join_all(threads, timeout=200):
    """Stops the load threads and waits for each; one that does not finish fails the test
    after printing where it is stuck."""
    for t in threads:
        t.stopping.set()
    for t in threads:
        t.join(timeout)
        if t.is_alive():
            traceback.print_stack(sys._current_frames()[t.ident])
        check(not t.is_alive(), f"{t.name} did not finish")


def wait_progress(writers, what, count=20, timeout=60):
    """Waits until every writer got at least `count` more acknowledgements."""
    start = {w.name: len(w.acked) for w in writers}
    ch.wait_for(lambda: all(len(w.acked) >= start[w.name] + count for w in writers), timeout,
                f"producers to make progress ({what})")


def read_everything(bootstrap, topic, partitions):
    """Every record of the topic: {(partition, offset): value}, up to each partition's end."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got, at_end = {}, set()
    deadline = time.monotonic() + 120
    try:
        while len(at_end) < partitions:
            check(time.monotonic() < deadline, f"reading everything: ended {sorted(at_end)}")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                check(not msg.error().fatal(), f"reader: {msg.error()}")
                if msg.error().code() == PARTITION_EOF:
                    at_end.add(msg.partition())
                continue
            got[(msg.partition(), msg.offset())] = msg.value()
    finally:
        consumer.close()
    return got


def check_acknowledged(writers, stored):
    """Every acknowledged value is stored once, at the reported partition and offset (a
    report without an offset — librdkafka's DUPLICATE_SEQUENCE_NUMBER success — only in
    that partition); nothing failed, nothing is stored twice or unacknowledged."""
    where = {value: pos for pos, value in stored.items()}
    without_offset = 0
    for w in writers:
        check_equal(w.fatal, [], f"{w.name}: fatal client errors")
        check_equal(w.unflushed, 0, f"{w.name}: records still queued after flush "
                                    f"(partition: seqs {w.stuck()})")
        check_equal(w.failed[:5], [], f"{w.name}: failed deliveries")
        for (p, offset, seq, _) in w.acked:
            value = f"{w.name}:{seq:08d}".encode()
            if offset is None or offset < 0:
                without_offset += 1
                check_equal(where.get(value, (None,))[0], p, f"{w.name} seq {seq}: partition")
                continue
            check_equal(stored.get((p, offset)), value,
                        f"{w.name} seq {seq}: record at partition {p} offset {offset}")
        check_equal(len(w.acked), w.sent, f"{w.name}: acknowledged records")
    counts = collections.Counter(stored.values())
    twice = [v for v, c in counts.items() if c > 1]
    check_equal(twice[:5], [], "values stored more than once")
    check_equal(len(stored), sum(len(w.acked) for w in writers),
                "records stored vs acknowledged")
    return without_offset


def check_order(stored):
    last = {}
    for (p, offset), value in sorted(stored.items()):
        name, seq = value.decode().split(":")
        seq = int(seq)
        check(seq > last.get((p, name), -1),
              f"partition {p} offset {offset}: {name} seq {seq} after {last.get((p, name))}")
        last[(p, name)] = seq


def check_committed(member, committed, stored):
    """The group's committed offsets are at least the member's last successful commits. They
    may be later: a commit whose answer was lost in a failover may still have been applied,
    but only ever at a position the member had consumed up to. A position may pass control
    batches (a new leader's LEADER_CHANGE marker takes an offset) but no record."""
    check_equal(sorted(committed), sorted(member.committed), "partitions with commits")
    for p, offset in committed.items():
        consumed_to = max(o for (q, o) in member.seen if q == p) + 1
        skipped = sorted(o for (q, o) in stored if q == p and consumed_to <= o < offset)
        check(member.committed[p] <= offset and not skipped,
              f"partition {p}: committed {offset}, member's last successful commit "
              f"{member.committed[p]}, consumed up to {consumed_to}, records not consumed "
              f"below the committed offset: {skipped[:5]}")


def check_member_saw_committed(member, committed, stored):
    """Everything below a committed offset was delivered to the member that committed it."""
    for (p, offset), value in stored.items():
        if offset < committed.get(p, -1):
            check_equal(member.seen.get((p, offset)), value,
                        f"committed record at partition {p} offset {offset} seen by member")


def check_group_resumes(bootstrap, member, stored, topic, partitions, group):
    """A new member starts at the committed offsets and reads everything from there."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "enable.partition.eof": True, "client.id": "member-2"})
    try:
        tps = consumer.committed([TopicPartition(topic, p) for p in range(partitions)],
                                 timeout=30)
        committed = {tp.partition: tp.offset for tp in tps if tp.offset >= 0}
        check_committed(member, committed, stored)
        consumer.subscribe([topic])
        got, at_end = {}, set()
        deadline = time.monotonic() + 120
        while len(at_end) < partitions:
            check(time.monotonic() < deadline, f"resuming member: ended {sorted(at_end)}")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == PARTITION_EOF:
                    at_end.add(msg.partition())
                continue
            got[(msg.partition(), msg.offset())] = msg.value()
    finally:
        consumer.close()
    expected = {k: v for k, v in stored.items() if k[1] >= committed.get(k[0], 0)}
    check_equal(sorted(got), sorted(expected), "records read by the resuming member")
    for p in range(partitions):
        first = min((o for (q, o) in got if q == p), default=None)
        want = min((o for (q, o) in expected if q == p), default=None)
        check_equal(first, want, f"partition {p}: first offset after resuming")
    return committed
