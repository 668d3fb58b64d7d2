"""Three real nodes on loopback: Metadata lists the three nodes and a controller; an RF=3
topic gets a leader, three replicas and an ISR of three per partition; kcat and
confluent-kafka (acks=all) produce through any node and read back byte-exact from another;
`caudal cluster status` reports the cluster healthy.

    /usr/bin/python3 test_cluster_basic.py --caudal build/cmd/caudal
"""

from confluent_kafka import Producer

import clients
import cluster_harness as ch
from cluster_harness import check, check_equal

TOPIC, PARTITIONS, REPLICAS = "basic", 3, 3


def check_cluster_metadata(cluster):
    md = ch.wait_for(lambda: (lambda m: m if len(m.brokers) == 3 else None)(cluster.metadata()),
                     30, "Metadata to list 3 nodes")
    check_equal(sorted(md.brokers), [1, 2, 3], "node ids in Metadata")
    for n in cluster.nodes:
        b = md.brokers[n.id]
        check_equal((b.host, b.port), ("127.0.0.1", n.port), f"node {n.id} address")
    ch.wait_for(lambda: cluster.metadata().controller_id in (1, 2, 3), 30,
                "a controller id in Metadata")


def check_topic_metadata(cluster):
    for p, pm in sorted(cluster.partitions(TOPIC).items()):
        check_equal(len(pm.replicas), REPLICAS, f"replicas of partition {p}")
        check_equal(len(set(pm.replicas)), REPLICAS, f"distinct replicas of partition {p}")
        check_equal(sorted(pm.isrs), sorted(pm.replicas), f"ISR of partition {p}")
        check(pm.leader in pm.replicas, f"partition {p}: leader {pm.leader} not a replica")
        check(pm.error is None, f"partition {p}: {pm.error}")


def kcat_round_trip(cluster):
    """Produce through node 1 and consume through node 3: both must route to the leaders."""
    lines = [f"k{i}|kcat value {i} \u00e9".encode() for i in range(60)]
    produce = ["kcat", "-b", cluster.node(1).bootstrap, "-P", "-t", TOPIC, "-K", "|",
               "-X", "acks=all"]
    result = ch.subprocess.run(produce, input=b"\n".join(lines) + b"\n", capture_output=True,
                               timeout=60)
    check(result.returncode == 0, f"kcat produce: {result.stderr.decode(errors='replace')}")
    consume = ["kcat", "-b", cluster.node(3).bootstrap, "-C", "-t", TOPIC, "-o", "beginning",
               "-e", "-f", "%k|%s\\n"]
    got = ch.wait_for(lambda: _kcat_lines(consume, len(lines)), 30, "kcat to read 60 records")
    check_equal(sorted(got), sorted(lines), "records read back by kcat")


def _kcat_lines(cmd, want):
    result = ch.subprocess.run(cmd, capture_output=True, timeout=60)
    if result.returncode != 0:
        return None
    got = [line for line in result.stdout.split(b"\n") if line]
    return got if len(got) >= want else None


def confluent_round_trip(cluster, before):
    """acks=all with idempotence through node 2; every delivery report succeeds, and the
    records read back through node 1 at the reported offsets are byte-exact."""
    messages = clients.make_messages(300)
    producer = Producer({"bootstrap.servers": cluster.node(2).bootstrap, "acks": "all",
                         "enable.idempotence": True, "linger.ms": 5})
    delivered, failed = {}, []

    def report(err, msg, i):
        if err is not None:
            failed.append((i, err))
        else:
            delivered[(msg.partition(), msg.offset())] = messages[i]

    for i, (key, value, headers) in enumerate(messages):
        producer.produce(TOPIC, value=value, key=key, headers=headers,
                         on_delivery=lambda err, msg, i=i: report(err, msg, i))
        producer.poll(0)
    check_equal(producer.flush(60), 0, "records still queued after flush")
    check_equal(failed, [], "failed deliveries")
    check_equal(len(delivered), len(messages), "delivery reports")
    # Read from the end offsets taken before: leader-change control batches take offsets
    # too, so a high watermark is no record count.
    counts = {p: sum(1 for (q, _) in delivered if q == p) for p in range(PARTITIONS)}
    got = clients.read_partitions(cluster.node(1).bootstrap, TOPIC, range(PARTITIONS), counts,
                                  start=before)
    for where, (key, value, headers) in delivered.items():
        check(where in got, f"delivered record at {where} not read back")
        check_equal(got[where], (key, value, headers), f"record at {where}")


def status_is_healthy(cluster):
    # On a loaded machine a partition may be between leaders for a moment (an election after
    # a starved heartbeat): wait until status reports the cluster healthy, then check it.
    result = None

    def healthy():
        nonlocal result
        result = cluster.cli("cluster", "status")
        return result.returncode == 0

    ch.wait_for(healthy, 30, "cluster status healthy", interval=0.5)
    check_equal(result.returncode, 0, f"cluster status exit code ({result.stderr})")
    out = result.stdout
    for n in cluster.nodes:
        check(f"127.0.0.1:{n.port}  rack-{n.id}" in out, f"node {n.id} row in:\n{out}")
    check("UNDER-REPLICATED  0" in out and "OFFLINE           0" in out,
          f"healthy counts in:\n{out}")
    rows = [line.split() for line in out.splitlines() if line.startswith(TOPIC + " ")]
    check_equal(len(rows), PARTITIONS, f"status rows of {TOPIC}")
    for row in rows:
        check_equal(len(row[3].split(",")), REPLICAS, f"status replicas {row}")
        check_equal(row[-1], "ok", f"status of {row}")


def test(cluster):
    cluster.start()
    check_cluster_metadata(cluster)
    cluster.create_topic(TOPIC, PARTITIONS, REPLICAS, {"min.insync.replicas": "2"})
    check_topic_metadata(cluster)
    kcat_round_trip(cluster)
    before = {p: hi for p, (lo, hi) in
              clients.watermarks(cluster.bootstrap, TOPIC, range(PARTITIONS)).items()}
    confluent_round_trip(cluster, before)
    status_is_healthy(cluster)


if __name__ == "__main__":
    ch.main(test, nodes=3)
