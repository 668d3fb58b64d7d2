"""Failover under load on three real nodes (issue 5, first "done when" bullet).

Two idempotent confluent-kafka producers (acks=all) write unique sequential values to a
6-partition RF=3 topic (min.insync.replicas=2) and record every delivery report, while a
consumer group member consumes and commits. Meanwhile the test SIGKILLs the leader of
partition 0, SIGSTOPs another node for a few seconds and SIGCONTs it, then restarts the
killed node and waits until every ISR is full again. Afterwards:

* no delivery failed, and every acknowledged record is stored exactly once, at the
  partition and offset its delivery report named; no value is stored twice;
* per partition, each producer's values are in send order;
* the group's committed offsets lie between the member's last successful commits and what
  it consumed; it saw every record below them, and a new member of
  the group starts exactly at the committed offsets and reads everything from there.

It prints how long leadership took to move after the kill: until Metadata shows new leaders
for all partitions the killed node led, and until the producers' next successful delivery
to each of them.

    /usr/bin/python3 test_cluster_failover.py --caudal build/cmd/caudal
"""

import collections
import logging
import os
import sys
import threading
import time
import traceback

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

import cluster_harness as ch
from cluster_harness import check, check_equal

TOPIC, PARTITIONS, REPLICAS, GROUP = "failover", 6, 3, "failover-group"
WRITERS = ("w1", "w2")
PAUSE_SECONDS = 4
ELECTION_TIMEOUT_MS = 1500  # the node default, written explicitly so the output names it


class Writer(threading.Thread):
    """One idempotent producer writing "<name>:<seq>" round-robin over the partitions."""

    def __init__(self, name, bootstrap):
        super().__init__(daemon=True)
        self.name = name
        self.producer = Producer({
            "bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
            "linger.ms": 5, "message.timeout.ms": 150000, "retry.backoff.ms": 100,
            "topic.metadata.refresh.interval.ms": 1000, "client.id": name})
        self.stopping = threading.Event()
        self.sent = 0
        self.acked = []  # (partition, offset, seq, monotonic time of the report)
        self.failed = []  # (seq, error)
        self.unflushed = None

    def report(self, err, msg):
        seq = int(msg.value().decode().split(":")[1])
        if err is not None:
            self.failed.append((seq, str(err)))
        else:
            self.acked.append((msg.partition(), msg.offset(), seq, time.monotonic()))

    def run(self):
        while not self.stopping.is_set():
            value = f"{self.name}:{self.sent:08d}".encode()
            try:
                self.producer.produce(TOPIC, value=value, partition=self.sent % PARTITIONS,
                                      on_delivery=self.report)
            except BufferError:  # queue full while a partition has no leader: wait
                self.producer.poll(0.05)
                continue
            self.sent += 1
            self.producer.poll(0)
            time.sleep(0.004)
        self.unflushed = self.producer.flush(150)


class GroupMember(threading.Thread):
    """A consumer group member that commits synchronously every 50 records or second."""

    def __init__(self, bootstrap, log_path):
        super().__init__(daemon=True, name="group-member")
        # librdkafka's consumer-group log goes to a file kept with the node logs: when
        # the member stalls, it says which request it was waiting for.
        logger = logging.getLogger("member-rdkafka")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(logging.FileHandler(log_path))
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500, "client.id": "member-1",
            # A synchronous commit to a SIGSTOPped coordinator waits for this long; the
            # default (60 s) would stall the member for the rest of the run.
            "socket.timeout.ms": 5000, "debug": "cgrp"}, logger=logger)
        self.stopping = threading.Event()
        self.seen = {}  # (partition, offset) -> value
        self.committed = {}  # partition -> last successfully committed offset
        self.commit_failures = 0
        self.longest_commit = 0.0  # seconds a synchronous commit blocked the member
        self.errors = []  # consumer errors seen by poll(), for the report
        self.assignments = []  # the partitions of each assignment, in order

    def commit(self):
        started = time.monotonic()
        try:
            for tp in self.consumer.commit(asynchronous=False) or []:
                if tp.error is None and tp.offset >= 0:
                    self.committed[tp.partition] = tp.offset
        except KafkaException:
            self.commit_failures += 1  # retriable during a failover; the next one counts
        self.longest_commit = max(self.longest_commit, time.monotonic() - started)

    def assigned(self, consumer, partitions):
        self.assignments.append(sorted(p.partition for p in partitions))

    def run(self):
        self.consumer.subscribe([TOPIC], on_assign=self.assigned)
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
        # No final commit: what was consumed after the last commit must be read again by
        # the next member, which is what the resume check looks at.
        self.consumer.close()


def total_acked(writers):
    return sum(len(w.acked) for w in writers)


def wait_progress(writers, what, timeout=60):
    """Waits until every writer got at least 20 more acknowledgements."""
    start = {w.name: len(w.acked) for w in writers}
    ch.wait_for(lambda: all(len(w.acked) >= start[w.name] + 20 for w in writers), timeout,
                f"producers to make progress ({what})")


def kill_leader_and_measure(cluster, writers):
    """SIGKILLs partition 0's leader; returns (victim id, its partitions, metadata ms,
    first-delivery ms per partition)."""
    leaders = cluster.leaders(TOPIC)
    victim = leaders[0]
    check(victim >= 0, "partition 0 has a leader")
    led = sorted(p for p, leader in leaders.items() if leader == victim)
    first_seq = {w.name: w.sent for w in writers}
    killed_at = time.monotonic()
    cluster.node(victim).kill()

    def moved():
        now = cluster.leaders(TOPIC, timeout=2)
        return all(now[p] >= 0 and now[p] != victim for p in led)

    ch.wait_for(moved, 60, f"new leaders for partitions {led} of killed node {victim}",
                interval=0.05)
    metadata_ms = (time.monotonic() - killed_at) * 1000

    # Only a record handed to a producer after the kill (seq >= first_seq) proves the new
    # leader took writes: reports processed just after the kill may be the old leader's.

    def first_deliveries():
        firsts = {}
        for w in writers:
            for (p, _, seq, t) in list(w.acked):
                if p in led and seq >= first_seq[w.name]:
                    firsts[p] = min(firsts.get(p, t), t)
        return firsts if len(firsts) == len(led) else None

    firsts = ch.wait_for(first_deliveries, 90, "deliveries to the moved partitions",
                         interval=0.05)
    delivery_ms = {p: round((t - killed_at) * 1000) for p, t in sorted(firsts.items())}
    return victim, led, metadata_ms, delivery_ms


def pause_another(cluster, victim):
    """SIGSTOPs a node other than the victim, preferably a current leader, then SIGCONTs."""
    leaders = set(cluster.leaders(TOPIC).values())
    candidates = [n for n in cluster.running() if n.id != victim]
    node = next((n for n in candidates if n.id in leaders), candidates[0])
    node.pause()
    time.sleep(PAUSE_SECONDS)
    node.resume()
    return node.id


def read_everything(bootstrap):
    """Every record of the topic: {(partition, offset): value}, up to each partition's end."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "failover-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    got, at_end = {}, set()
    deadline = time.monotonic() + 120
    try:
        while len(at_end) < PARTITIONS:
            check(time.monotonic() < deadline, f"reading everything: ended {sorted(at_end)}")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                check(not msg.error().fatal(), f"reader: {msg.error()}")
                if msg.error().code() == -191:  # _PARTITION_EOF
                    at_end.add(msg.partition())
                continue
            got[(msg.partition(), msg.offset())] = msg.value()
    finally:
        consumer.close()
    return got


def check_acknowledged(writers, stored):
    """Every acknowledged value is stored once, at the reported partition and offset. A
    report may lack the offset (librdkafka turns DUPLICATE_SEQUENCE_NUMBER, "already
    stored", into a success without one): then the value must be in that partition."""
    where = {value: pos for pos, value in stored.items()}
    without_offset = 0
    for w in writers:
        check_equal(w.unflushed, 0, f"{w.name}: records still queued after flush")
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
    check_equal(len(stored), total_acked(writers), "records stored vs acknowledged")
    if without_offset:
        print(f"note: {without_offset} delivery reports carried no offset (duplicates the "
              f"node had stored already)")


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


def check_group_resumes(cluster, member, stored):
    """A new member starts at the committed offsets and reads everything from there."""
    consumer = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": GROUP,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "enable.partition.eof": True, "client.id": "member-2"})
    try:
        tps = consumer.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)],
                                 timeout=30)
        committed = {tp.partition: tp.offset for tp in tps if tp.offset >= 0}
        check_committed(member, committed, stored)
        consumer.subscribe([TOPIC])
        got, at_end = {}, set()
        deadline = time.monotonic() + 120
        while len(at_end) < PARTITIONS:
            check(time.monotonic() < deadline, f"resuming member: ended {sorted(at_end)}")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == -191:  # _PARTITION_EOF
                    at_end.add(msg.partition())
                continue
            got[(msg.partition(), msg.offset())] = msg.value()
    finally:
        consumer.close()
    expected = {k: v for k, v in stored.items() if k[1] >= committed.get(k[0], 0)}
    check_equal(sorted(got), sorted(expected), "records read by the resuming member")
    for p in range(PARTITIONS):
        first = min((o for (q, o) in got if q == p), default=None)
        want = min((o for (q, o) in expected if q == p), default=None)
        check_equal(first, want, f"partition {p}: first offset after resuming")
    return committed


def test(cluster):
    cluster.start()
    cluster.create_topic(TOPIC, PARTITIONS, REPLICAS, {"min.insync.replicas": "2"})
    writers = [Writer(name, cluster.bootstrap) for name in WRITERS]
    member = GroupMember(cluster.bootstrap, os.path.join(cluster.workdir, "member-rdkafka.log"))
    for t in (*writers, member):
        t.start()
    started = time.monotonic()
    wait_progress(writers, "before the faults")
    # The faults must hit an active group: wait for its first commit.
    ch.wait_for(lambda: member.committed, 60, "the group member's first commit")
    time.sleep(2)

    victim, led, metadata_ms, delivery_ms = kill_leader_and_measure(cluster, writers)
    print(f"FAILOVER killed node {victim} (leader of partitions {led}); "
          f"replication.election.timeout.ms={ELECTION_TIMEOUT_MS}")
    print(f"FAILOVER metadata shows new leaders after {metadata_ms:.0f} ms")
    print(f"FAILOVER first acknowledged write (of a record sent after the kill) per "
          f"partition after (ms): {delivery_ms}")
    wait_progress(writers, "after the kill")
    print(f"member saw {len(member.seen)} records so far")

    paused = pause_another(cluster, victim)
    print(f"paused node {paused} for {PAUSE_SECONDS}s")
    wait_progress(writers, "after the pause")

    cluster.node(victim).start()
    ch.wait_for(lambda: cluster.fully_replicated(TOPIC, PARTITIONS, REPLICAS), 120,
                f"node {victim} back in every ISR")
    wait_progress(writers, "after the restart")
    print(f"member saw {len(member.seen)} records so far")

    for t in (*writers, member):
        t.stopping.set()
    for t in (*writers, member):
        t.join(200)
        if t.is_alive():  # where it is stuck, for the report
            traceback.print_stack(sys._current_frames()[t.ident])
        check(not t.is_alive(), f"{t.name} did not finish")
    print(f"load ran {time.monotonic() - started:.1f}s: "
          f"{ {w.name: len(w.acked) for w in writers} } acknowledged, member saw "
          f"{len(member.seen)} and committed {member.committed} "
          f"({member.commit_failures} failed commits, longest commit "
          f"{member.longest_commit:.1f}s, assignments {member.assignments}, "
          f"consumer errors: {member.errors[:5]})")
    last_seen = {p: max((o for (q, o) in member.seen if q == p), default=None)
                 for p in range(PARTITIONS)}
    print(f"member's last offset per partition: {last_seen}")

    stored = read_everything(cluster.bootstrap)
    check_acknowledged(writers, stored)
    check_order(stored)
    check(member.committed, "the group member committed offsets during the run")
    committed = check_group_resumes(cluster, member, stored)
    check_member_saw_committed(member, committed, stored)
    print(f"verified {len(stored)} records: each acknowledged one exactly once, in order; "
          f"the group resumed at its committed offsets")


if __name__ == "__main__":
    ch.main(test, nodes=3, overrides={"replication.election.timeout.ms": ELECTION_TIMEOUT_MS})
