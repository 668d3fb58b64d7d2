"""A 4th node is added, the cluster rebalanced, then node 1 drained — all under load.

Three real nodes serve a 6-partition RF=3 topic (min.insync.replicas=2) while two
idempotent acks=all confluent-kafka producers write continuously and a consumer group
member consumes and commits. The test then

1. starts node 4 (not a voter of the metadata quorum: its controller.quorum.voters lists
   nodes 1-3 only; it follows the metadata log);
2. runs `caudal cluster rebalance --wait` (the real CLI): node 4 must then hold replicas of
   the topic, be in their ISR, and — after the preferred leader election the command ends
   with — lead some of its partitions;
3. runs `caudal node decommission 1 --wait`: node 1 must hold no replica and lead nothing,
   and `caudal cluster status` must list nodes 2-4 up, no partition on node 1, none offline.

Throughout, no delivery may fail (retriable client errors are counted and printed);
afterwards every acknowledged record is readable exactly once, in order per partition, and
the group resumes from its committed offsets (cluster_checks.py). Prints each phase's time.

    /usr/bin/python3 test_cluster_grow.py --caudal build/cmd/caudal
"""

import os
import time

import cluster_checks as cc
import cluster_harness as ch
from cluster_harness import check, check_equal

TOPIC, PARTITIONS, REPLICAS, GROUP = "grow", 6, 3, "grow-group"
WRITERS = ("w1", "w2")
CLI_TIMEOUT = 600  # seconds a --wait command may run


class Phases:
    """Measures and prints how long each phase took."""

    def __init__(self):
        self.last = time.monotonic()
        self.done = []

    def end(self, name):
        now = time.monotonic()
        self.done.append((name, now - self.last))
        print(f"PHASE {name}: {now - self.last:.1f}s", flush=True)
        self.last = now


def run_cli(cluster, *args, expect=0):
    """Runs the real CLI against all nodes; checks its exit code; returns stdout + stderr."""
    started = time.monotonic()
    r = cluster.cli(*args, timeout=CLI_TIMEOUT)
    print(f"$ caudal {' '.join(args)}   (exit {r.returncode}, "
          f"{time.monotonic() - started:.1f}s)\n{r.stdout}{r.stderr}", flush=True)
    check_equal(r.returncode, expect, f"caudal {' '.join(args)}: exit code")
    return r.stdout + r.stderr


def check_other_commands(cluster):
    """reassignments / elect-leaders / reassign on the balanced cluster, and their errors."""
    out = run_cli(cluster, "cluster", "reassignments")
    check("no reassignment in progress" in out, "nothing pending after rebalance --wait")
    out = run_cli(cluster, "cluster", "elect-leaders", "--topic", TOPIC)
    rows = [line.split() for line in out.splitlines() if line.startswith(TOPIC + " ")]
    check_equal(len(rows), PARTITIONS, "elect-leaders: one row per partition")
    # One move by hand: partition 0's last replica goes to the node it is not on.
    replicas = cluster.partitions(TOPIC)[0].replicas
    spare = next(n for n in (1, 2, 3, 4) if n not in replicas)
    target = replicas[:-1] + [spare]
    run_cli(cluster, "cluster", "reassign", "--topic", TOPIC, "--partition", "0",
            "--replicas", ",".join(map(str, target)))
    ch.wait_for(lambda: "no reassignment in progress" in cluster.cli(
        "cluster", "reassignments").stdout, 60, "the manual move to complete")
    check_equal(cluster.partitions(TOPIC)[0].replicas, target, "partition 0 after reassign")
    out = run_cli(cluster, "cluster", "reassign", "--topic", TOPIC, "--partition", "0",
                  "--cancel", expect=1)
    check("caudal: cluster reassign: " in out and "NO_REASSIGNMENT_IN_PROGRESS" in out,
          "cancel without a pending move is refused")
    out = run_cli(cluster, "cluster", "reassign", "--topic", TOPIC, "--partition", "0",
                  "--replicas", "1,1", expect=2)
    check("not a list of distinct node ids" in out, "usage error for a bad replica list")
    out = run_cli(cluster, "cluster", "reassign", "--topic", "no-such-topic", "--partition", "0",
                  "--replicas", "1,2,3", expect=1)
    check("UNKNOWN_TOPIC_OR_PARTITION" in out, "reassign of an unknown topic is refused")


def holders(cluster, topic=None):
    """{node id: (replicas, leaders)} over `topic` (every topic when None)."""
    md = cluster.metadata(timeout=5)
    out = {}
    for name, t in md.topics.items():
        if topic is not None and name != topic:
            continue
        for pm in t.partitions.values():
            for r in pm.replicas:
                reps, leads = out.get(r, (0, 0))
                out[r] = (reps + 1, leads)
            if pm.leader >= 0:
                reps, leads = out.get(pm.leader, (0, 0))
                out[pm.leader] = (reps, leads + 1)
    return out


def check_node4_joined(cluster):
    ps = cluster.partitions(TOPIC)
    on4 = sorted(p for p, pm in ps.items() if 4 in pm.replicas)
    check(on4, f"node 4 holds replicas of {TOPIC} after the rebalance: "
               f"{ {p: pm.replicas for p, pm in ps.items()} }")
    ch.wait_for(lambda: cluster.fully_replicated(TOPIC, PARTITIONS, REPLICAS), 60,
                f"{TOPIC}: every ISR full (node 4 in sync)")
    led = ch.wait_for(lambda: sorted(p for p, l in cluster.leaders(TOPIC).items() if l == 4),
                      60, "node 4 to lead partitions after the preferred leader election")
    print(f"node 4 holds replicas of partitions {on4} and leads {led}; load per node "
          f"(replicas, leaders) of {TOPIC}: {sorted(holders(cluster, TOPIC).items())}")


def check_node1_drained(cluster):
    load = holders(cluster)
    check(1 not in load, f"node 1 holds nothing after decommission: {load.get(1)}")
    ch.wait_for(lambda: cluster.fully_replicated(TOPIC, PARTITIONS, REPLICAS), 60,
                f"{TOPIC}: every ISR full after the drain")
    status = run_cli(cluster, "cluster", "status")
    rows = [line.split() for line in status.splitlines()]
    # Node rows: NODE ADDRESS RACK STATE, STATE "up" or "up, controller".
    up = sorted(int(r[0]) for r in rows
                if len(r) >= 4 and r[0].isdigit() and r[3].rstrip(",") == "up")
    check_equal(up, [2, 3, 4], "nodes `cluster status` lists as up")
    # Partition rows: TOPIC PARTITION LEADER REPLICAS ISR STATUS.
    partition_rows = [r for r in rows if len(r) == 6 and r[1].isdigit()]
    check(partition_rows, "status lists partitions")
    for r in partition_rows:
        check("1" not in r[3].split(",") and r[2] != "1",
              f"status: partition {r[0]}-{r[1]} still on node 1: {r}")
    check(["OFFLINE", "0"] in rows, "status: no partition offline")
    print(f"load per node (replicas, leaders) over all topics: {sorted(load.items())}")


def test(cluster):
    phases = Phases()
    cluster.start()
    cluster.create_topic(TOPIC, PARTITIONS, REPLICAS, {"min.insync.replicas": "2"})
    phases.end("3 nodes up, topic created")

    logs = cluster.workdir
    writers = [cc.Writer(name, cluster.bootstrap, TOPIC, PARTITIONS,
                         os.path.join(logs, f"{name}-rdkafka.log")) for name in WRITERS]
    member = cc.GroupMember(cluster.bootstrap, TOPIC, GROUP,
                            os.path.join(logs, "member-rdkafka.log"))
    for t in (*writers, member):
        t.start()
    cc.wait_progress(writers, "before growing")
    ch.wait_for(lambda: member.committed, 60, "the group member's first commit")
    phases.end("load running")

    node4 = cluster.add_node()  # not a voter: it follows the metadata log
    check_equal(node4.id, 4, "id of the added node")
    with open(node4.config_path, encoding="utf-8") as f:
        voters = next(l for l in f if l.startswith("controller.quorum.voters="))
    check("4@" not in voters and "1@" in voters, f"node 4 is not a voter: {voters.strip()}")
    check_equal(holders(cluster).get(4), None, "replicas on node 4 before the rebalance")
    phases.end("node 4 started and registered")

    run_cli(cluster, "cluster", "rebalance", "--dry-run")
    run_cli(cluster, "cluster", "rebalance", "--wait", "--poll-ms", "500")
    phases.end("rebalance --wait")
    check_node4_joined(cluster)
    check_other_commands(cluster)
    cc.wait_progress(writers, "after the rebalance")
    phases.end("checks after the rebalance")

    run_cli(cluster, "node", "decommission", "1", "--wait", "--poll-ms", "500")
    phases.end("decommission 1 --wait")
    check_node1_drained(cluster)
    cc.wait_progress(writers, "after the drain")
    phases.end("checks after the drain")

    cc.join_all((*writers, member))
    print(f"acknowledged {[len(w.acked) for w in writers]}; retriable client errors "
          f"{ {w.name: dict(w.errors) for w in writers} }; member saw {len(member.seen)}, "
          f"{member.commit_failures} failed commits, assignments {member.assignments}, "
          f"consumer errors {member.errors[:5]}")
    stored = cc.read_everything(cluster.bootstrap, TOPIC, PARTITIONS)
    no_offset = cc.check_acknowledged(writers, stored)
    cc.check_order(stored)
    check(member.committed, "the group member committed offsets during the run")
    committed = cc.check_group_resumes(cluster.bootstrap, member, stored, TOPIC, PARTITIONS,
                                       GROUP)
    cc.check_member_saw_committed(member, committed, stored)
    phases.end("verification")
    print(f"verified {len(stored)} records ({no_offset} reports without offset): each "
          f"acknowledged one exactly once, in order; the group resumed at its committed "
          f"offsets")
    print("PHASES " + ", ".join(f"{n} {s:.1f}s" for n, s in phases.done))


if __name__ == "__main__":
    ch.main(test, nodes=3)
