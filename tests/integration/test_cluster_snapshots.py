"""Metadata snapshots on three real nodes with a small snapshot interval
(metadata.log.max.record.bytes.between.snapshots=1024): every node writes snapshot files
and deletes the metadata log before them; a node killed while 20 topics are created comes
back behind the leader's log start, installs the leader's snapshot and then lists every
topic; after a restart of all nodes each starts from its own snapshot and the topics are
all there.

    /usr/bin/python3 test_cluster_snapshots.py --caudal build/cmd/caudal
"""

import os
import re
import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import NewTopic

import cluster_harness as ch
from cluster_harness import check, check_equal

SNAPSHOT_NAME = re.compile(r"^(\d{20})-(\d{10})\.checkpoint$")


def snapshot_offsets(node):
    """End offsets of the node's metadata snapshot files, oldest first."""
    d = os.path.join(node.data_dir, "__cluster_metadata-0")
    names = os.listdir(d) if os.path.isdir(d) else []
    return sorted(int(m.group(1)) for m in map(SNAPSHOT_NAME.match, names) if m)


def create_topics(cluster, prefix, count, replicas):
    """One CreateTopics request per topic (each commits its own metadata records). A
    retriable error (a controller that moved) is retried, as clients do."""
    for i in range(count):
        name = f"{prefix}{i}"
        deadline = time.monotonic() + 60
        while True:
            futures = cluster.admin().create_topics([NewTopic(name, 1, replicas)],
                                                    operation_timeout=30, request_timeout=15)
            try:
                futures[name].result(60)
                break
            except KafkaException as e:
                err = e.args[0]
                if err.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                    break  # an earlier attempt committed
                if not err.retriable() and err.code() != KafkaError._TIMED_OUT:
                    raise
                check(time.monotonic() < deadline, f"creating {name}: {err}")
                time.sleep(0.5)


def topics_seen_by(cluster, node):
    md = cluster.admin(node).list_topics(timeout=5)
    return {t for t in md.topics if not t.startswith("__")}


def node_log(node):
    with open(node.log_path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def test(cluster):
    cluster.start()
    create_topics(cluster, "first-", 20, 3)
    for n in cluster.nodes:
        offsets = ch.wait_for(lambda n=n: snapshot_offsets(n) or None, 30,
                              f"node {n.id} to write a metadata snapshot")
        check(len(offsets) <= 2, f"node {n.id} keeps at most two snapshots: {offsets}")
    # A node that is not the active controller (the others then need no new election).
    controller = cluster.metadata().controller_id
    lagging = next(n for n in reversed(cluster.nodes) if n.id != controller)
    before = snapshot_offsets(lagging)
    lagging.kill()
    create_topics(cluster, "while-down-", 20, 2)
    leader_offsets = max((snapshot_offsets(n) for n in cluster.nodes if n.running()),
                         key=lambda o: o[-1])
    check(leader_offsets[0] > before[-1],
          f"the others' logs start after node {lagging.id}'s snapshot: {leader_offsets} vs "
          f"{before}")
    lagging.start()
    want = {f"first-{i}" for i in range(20)} | {f"while-down-{i}" for i in range(20)}
    ch.wait_for(lambda: topics_seen_by(cluster, lagging) >= want or None, 60,
                f"node {lagging.id} to list all 40 topics")
    check("installed the metadata snapshot" in node_log(lagging),
          f"node {lagging.id} installed a snapshot from another node:\n" + lagging.log_tail())
    check(snapshot_offsets(lagging)[-1] > before[-1],
          f"node {lagging.id} stored the installed snapshot")

    for n in cluster.nodes:
        n.stop()
    cluster.close_clients()
    for n in cluster.nodes:
        n.launch()
    for n in cluster.nodes:
        n.wait_listening(30)
    cluster.wait_registered(60)
    for n in cluster.nodes:
        check("loaded the metadata snapshot" in node_log(n),
              f"node {n.id} started from its snapshot:\n" + n.log_tail())
        check_equal(topics_seen_by(cluster, n) >= want, True, f"node {n.id} lists every topic")
    create_topics(cluster, "after-", 1, 3)


if __name__ == "__main__":
    ch.main(test, nodes=3,
            overrides={"metadata.log.max.record.bytes.between.snapshots": "1024",
                       "auto.create.topics.enable": "false"})
