"""Elasticity admin APIs on three real nodes, as raw Kafka requests (kafka_wire.py):
ApiVersions lists ElectLeaders 0-2, AlterPartitionReassignments 0, ListPartitionReassignments
0 and UnregisterBroker 0; Alter moves a replica (and answers 3/39/85 for bad requests), List
shows nothing once it is done, ElectLeaders moves leadership to the preferred replica (84 when
not needed, 3 for unknown partitions), UnregisterBroker drains the leader's node (102 for an
unknown id): its leadership and replica move away and Metadata stops listing it. Then kafkajs
2.2.4 (a real client) moves a partition with alterPartitionReassignments and follows it with
listPartitionReassignments.

    /usr/bin/python3 test_cluster_admin_wire.py --caudal build/cmd/caudal
"""

import json
import os
import subprocess

import cluster_harness as ch
import kafka_wire as kw
from cluster_harness import check, check_equal

TOPIC = "admin-wire"
KAFKAJS_TOPIC = "admin-kafkajs"


def connect(cluster, node_id):
    node = cluster.node(node_id)
    return kw.Connection("127.0.0.1", node.port)


def check_api_versions(conn):
    resp = conn.request("ApiVersions", 0, {})
    check_equal(resp["ErrorCode"], 0, "ApiVersions error")
    ranges = {a["ApiKey"]: (a["MinVersion"], a["MaxVersion"]) for a in resp["ApiKeys"]}
    for key, want in ((43, (0, 2)), (45, (0, 0)), (46, (0, 0)), (64, (0, 0))):
        check_equal(ranges.get(key), want, f"served versions of API {key}")


def alter(conn, topic, partition, replicas):
    body = {"TimeoutMs": 30000, "Topics": [{"Name": topic, "Partitions": [
        {"PartitionIndex": partition, "Replicas": replicas}]}]}
    resp = conn.request("AlterPartitionReassignments", 0, body)
    return resp["ErrorCode"], resp["Responses"][0]["Partitions"][0]["ErrorCode"]


def list_moves(conn):
    resp = conn.request("ListPartitionReassignments", 0, {"TimeoutMs": 30000, "Topics": None})
    check_equal(resp["ErrorCode"], 0, "ListPartitionReassignments error")
    return {(t["Name"], p["PartitionIndex"]): p for t in resp["Topics"] for p in t["Partitions"]}


def elect(conn, version, topic, partitions, election_type=0):
    body = {"ElectionType": election_type, "TimeoutMs": 20000,
            "TopicPartitions": [{"Topic": topic, "Partitions": partitions}]}
    resp = conn.request("ElectLeaders", version, body)
    return [p["ErrorCode"] for r in resp["ReplicaElectionResults"] for p in r["PartitionResult"]]


def unregister(conn, broker):
    return conn.request("UnregisterBroker", 0, {"BrokerId": broker})["ErrorCode"]


def partition0(cluster, topic):
    return cluster.partitions(topic)[0]


def move_replica(cluster, conn):
    before = partition0(cluster, TOPIC)
    free = next(n for n in (1, 2, 3) if n not in before.replicas)
    # The free node first: after the move it is the preferred replica, not the leader.
    target = [free, before.replicas[0]]
    check_equal(alter(conn, TOPIC, 0, target), (0, 0), f"Alter {TOPIC}-0 to {target}")
    ch.wait_for(lambda: (lambda p: sorted(p.replicas) == sorted(target) and
                         sorted(p.isrs) == sorted(target) and p.leader >= 0)(
                             partition0(cluster, TOPIC)), 60, f"replicas {target}")
    ch.wait_for(lambda: not list_moves(conn), 30, "List to show no pending move")
    check_equal(alter(conn, "no-such-topic", 0, [1]), (0, 3), "Alter of an unknown topic")
    check_equal(alter(conn, TOPIC, 0, [1, 1]), (0, 39), "Alter with a duplicate replica")
    check_equal(alter(conn, TOPIC, 0, [1, 77]), (0, 39), "Alter to an unknown node")
    check_equal(alter(conn, TOPIC, 0, None), (0, 85), "cancel without a pending move")
    return target


def elect_preferred(cluster, conn, target):
    preferred = target[0]
    if partition0(cluster, TOPIC).leader != preferred:
        check_equal(elect(conn, 2, TOPIC, [0]), [0], "ElectLeaders v2 (preferred)")
    ch.wait_for(lambda: partition0(cluster, TOPIC).leader == preferred, 30,
                f"node {preferred} to lead {TOPIC}-0")
    check_equal(elect(conn, 1, TOPIC, [0]), [84], "ElectLeaders v1 when not needed")
    check_equal(elect(conn, 0, TOPIC, [0]), [84], "ElectLeaders v0 when not needed")
    check_equal(elect(conn, 2, TOPIC, [0], election_type=1), [84], "unclean with a leader")
    check_equal(elect(conn, 2, TOPIC, [5]), [3], "ElectLeaders of an unknown partition")
    resp = conn.request("ElectLeaders", 2, {"ElectionType": 0, "TimeoutMs": 5000,
                                                  "TopicPartitions": None})
    check_equal(resp["ErrorCode"], 0, "ElectLeaders (all partitions) error")
    return preferred


def drain(cluster, conn, leader):
    check_equal(unregister(conn, 99), 102, "UnregisterBroker of an unknown id")
    check_equal(unregister(conn, leader), 0, f"UnregisterBroker {leader}")
    ch.wait_for(lambda: leader not in cluster.metadata().brokers, 30,
                f"Metadata to stop listing node {leader}")
    ch.wait_for(lambda: (lambda p: leader not in p.replicas and p.leader >= 0 and
                         len(p.replicas) == 2 and sorted(p.isrs) == sorted(p.replicas))(
                             partition0(cluster, TOPIC)), 60,
                f"{TOPIC}-0 drained off node {leader}")
    check_equal(unregister(conn, leader), 0, "UnregisterBroker again (idempotent)")


def kafkajs_reassign(cluster):
    here = os.path.dirname(os.path.abspath(__file__))
    check(os.path.isdir(os.path.join(here, "node_modules", "kafkajs")),
          "kafkajs missing: run scripts/install-deps.sh (npm ci in tests/integration)")
    run = subprocess.run(["node", os.path.join(here, "kafkajs_reassign.js"), cluster.bootstrap,
                          KAFKAJS_TOPIC], capture_output=True, timeout=150, cwd=here)
    check(run.returncode == 0, f"kafkajs exited {run.returncode}: {run.stderr.decode()}")
    report = json.loads(run.stdout)
    check_equal(sorted(report["after"]["replicas"]), sorted(report["target"]),
                "replicas after kafkajs' move")
    check_equal(sorted(report["after"]["isr"]), sorted(report["target"]), "ISR after the move")
    for t in report["firstList"]["topics"]:
        for p in t["partitions"]:
            check(sorted(p["replicas"])[:1] and set(report["target"]) <= set(p["replicas"]),
                  f"listed move {p} should name the target {report['target']}")
    check(all(not t["partitions"] for t in report["finalList"]["topics"]),
          f"kafkajs still lists moves: {report['finalList']}")
    check_equal(report["refused"], "INVALID_REPLICA_ASSIGNMENT", "kafkajs refused move")


def test(cluster):
    cluster.start()
    cluster.create_topic(TOPIC, 1, 2)
    conn = connect(cluster, 1)
    try:
        check_api_versions(conn)
        check_equal(list_moves(conn), {}, "List before any move")
        target = move_replica(cluster, conn)
        leader = elect_preferred(cluster, conn, target)
        kafkajs_reassign(cluster)
        # Ask through a node that stays.
        other = next(n for n in (1, 2, 3) if n != leader)
        conn.close()
        conn = connect(cluster, other)
        drain(cluster, conn, leader)
    finally:
        conn.close()


if __name__ == "__main__":
    ch.main(test, nodes=3)
