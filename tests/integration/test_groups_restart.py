"""Committed offsets survive a node crash: offsets (with metadata) committed by a
confluent-kafka group member and by standalone OffsetCommit requests are read back with
OffsetFetch (v1 and the v8 multi-group form) after a SIGKILL and restart, and a new
member of the group resumes exactly at the committed offsets. Then OffsetDelete and
DeleteGroups remove offsets, also across a restart."""

import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import harness
import kafka_wire as kw
from harness import check, check_equal, wait_until

TOPIC, GROUP, OTHER, PARTITIONS = "restart-topic", "restart-group", "standalone-group", 3


def wire(node):
    return kw.Connection("127.0.0.1", node.port)


def fetch_v8(node, groups):
    """{group: {(topic, partition): (offset, metadata)}} and the group error codes."""
    conn = wire(node)
    try:
        resp = conn.request("OffsetFetch", 8, {
            "Groups": [{"GroupId": g, "Topics": None} for g in groups], "RequireStable": False})
    finally:
        conn.close()
    out = {}
    for g in resp["Groups"]:
        check_equal(g["ErrorCode"], 0, f"OffsetFetch error of {g['GroupId']}")
        out[g["GroupId"]] = {(t["Name"], p["PartitionIndex"]): (p["CommittedOffset"], p["Metadata"])
                             for t in g["Topics"] for p in t["Partitions"]}
    return out


def standalone_commit(node, group, offsets):
    conn = wire(node)
    try:
        resp = conn.request("OffsetCommit", 2, {
            "GroupId": group, "GenerationIdOrMemberEpoch": -1, "MemberId": "",
            "RetentionTimeMs": -1,
            "Topics": [{"Name": TOPIC, "Partitions": [
                {"PartitionIndex": p, "CommittedOffset": o, "CommittedMetadata": m}
                for p, (o, m) in sorted(offsets.items())]}]})
    finally:
        conn.close()
    for t in resp["Topics"]:
        for p in t["Partitions"]:
            check_equal(p["ErrorCode"], 0, f"OffsetCommit error of partition {p['PartitionIndex']}")


def consume_first(node, want):
    """Joins GROUP and returns {partition: first offset delivered}, then commits
    {partition: first + want[partition]} and leaves."""
    c = Consumer({"bootstrap.servers": node.bootstrap, "group.id": GROUP,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "session.timeout.ms": 6000})
    c.subscribe([TOPIC])
    first, counts = {}, {p: 0 for p in range(PARTITIONS)}
    deadline = time.monotonic() + 60
    try:
        while any(counts[p] < want[p] for p in range(PARTITIONS)):
            check(time.monotonic() < deadline, f"consumed only {counts}")
            msg = c.poll(0.5)
            if msg is None or msg.error():
                continue
            first.setdefault(msg.partition(), msg.offset())
            counts[msg.partition()] += 1
        c.commit(offsets=[TopicPartition(TOPIC, p, first[p] + want[p]) for p in range(PARTITIONS)],
                 asynchronous=False)
    finally:
        c.close()
    return first


def test(ctx):
    node = ctx.node({"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "4"})
    admin = AdminClient({"bootstrap.servers": node.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(20)
    producer = Producer({"bootstrap.servers": node.bootstrap})
    for i in range(60):
        producer.produce(TOPIC, value=f"r{i}".encode(), partition=i % PARTITIONS)
    check_equal(producer.flush(30), 0, "unflushed records")

    first = consume_first(node, {0: 4, 1: 7, 2: 1})
    check_equal(first, {0: 0, 1: 0, 2: 0}, "first offsets of a new group (earliest)")
    standalone_commit(node, OTHER, {0: (11, "meta-0"), 2: (5, "")})
    before = fetch_v8(node, [GROUP, OTHER])
    check_equal(before[GROUP], {(TOPIC, 0): (4, ""), (TOPIC, 1): (7, ""), (TOPIC, 2): (1, "")},
                "offsets of the group member before the crash")
    check_equal(before[OTHER], {(TOPIC, 0): (11, "meta-0"), (TOPIC, 2): (5, "")},
                "standalone offsets before the crash")

    node.restart(crash=True)  # SIGKILL
    after = fetch_v8(node, [GROUP, OTHER, "never-used"])
    check_equal(after[GROUP], before[GROUP], "group offsets after SIGKILL + restart")
    check_equal(after[OTHER], before[OTHER], "standalone offsets after SIGKILL + restart")
    check_equal(after["never-used"], {}, "offsets of an unknown group")
    conn = wire(node)
    v1 = conn.request("OffsetFetch", 1, {"GroupId": GROUP, "Topics": [
        {"Name": TOPIC, "PartitionIndexes": [0, 1, 2, 3]}]})
    conn.close()
    check_equal([(p["PartitionIndex"], p["CommittedOffset"]) for p in v1["Topics"][0]["Partitions"]],
                [(0, 4), (1, 7), (2, 1), (3, -1)], "OffsetFetch v1 after restart")

    resumed = consume_first(node, {0: 1, 1: 1, 2: 1})
    check_equal(resumed, {0: 4, 1: 7, 2: 1}, "a new member resumes at the committed offsets")

    # OffsetDelete on the (empty) group, DeleteGroups on the other; both survive a restart.
    conn = wire(node)
    od = conn.request("OffsetDelete", 0, {"GroupId": GROUP, "Topics": [
        {"Name": TOPIC, "Partitions": [{"PartitionIndex": 1}]}]})
    check_equal(od["ErrorCode"], 0, "OffsetDelete error")
    dg = conn.request("DeleteGroups", 1, {"GroupsNames": [OTHER, "no-such-group"]})
    check_equal([(r["GroupId"], r["ErrorCode"]) for r in dg["Results"]],
                [(OTHER, 0), ("no-such-group", 69)], "DeleteGroups results")
    conn.close()
    node.restart(crash=True)
    final = fetch_v8(node, [GROUP, OTHER])
    check_equal(final[GROUP], {(TOPIC, 0): (5, ""), (TOPIC, 2): (2, "")},
                "offsets after OffsetDelete and a restart")
    check_equal(final[OTHER], {}, "offsets of the deleted group after a restart")
    # Close every client before the harness stops the node: a connection still open at
    # SIGTERM keeps its session actor alive and the node's shutdown hangs (listener bug,
    # reported); closing first keeps this test about groups.
    del admin, producer
    time.sleep(1)


if __name__ == "__main__":
    harness.main(test)
