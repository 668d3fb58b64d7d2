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

import os
import time

import cluster_checks as cc
import cluster_harness as ch
from cluster_harness import check

TOPIC, PARTITIONS, REPLICAS, GROUP = "failover", 6, 3, "failover-group"
WRITERS = ("w1", "w2")
PAUSE_SECONDS = 4
ELECTION_TIMEOUT_MS = 1500  # the node default, written explicitly so the output names it


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


def test(cluster):
    cluster.start()
    cluster.create_topic(TOPIC, PARTITIONS, REPLICAS, {"min.insync.replicas": "2"})
    logs = cluster.workdir
    writers = [cc.Writer(name, cluster.bootstrap, TOPIC, PARTITIONS,
                         os.path.join(logs, f"{name}-rdkafka.log")) for name in WRITERS]
    member = cc.GroupMember(cluster.bootstrap, TOPIC, GROUP,
                            os.path.join(logs, "member-rdkafka.log"))
    for t in (*writers, member):
        t.start()
    started = time.monotonic()
    cc.wait_progress(writers, "before the faults")
    # The faults must hit an active group: wait for its first commit.
    ch.wait_for(lambda: member.committed, 60, "the group member's first commit")
    time.sleep(2)

    victim, led, metadata_ms, delivery_ms = kill_leader_and_measure(cluster, writers)
    print(f"FAILOVER killed node {victim} (leader of partitions {led}); "
          f"replication.election.timeout.ms={ELECTION_TIMEOUT_MS}")
    print(f"FAILOVER metadata shows new leaders after {metadata_ms:.0f} ms")
    print(f"FAILOVER first acknowledged write (of a record sent after the kill) per "
          f"partition after (ms): {delivery_ms}")
    cc.wait_progress(writers, "after the kill")
    print(f"member saw {len(member.seen)} records so far")

    paused = pause_another(cluster, victim)
    print(f"paused node {paused} for {PAUSE_SECONDS}s")
    cc.wait_progress(writers, "after the pause")

    cluster.node(victim).start()
    ch.wait_for(lambda: cluster.fully_replicated(TOPIC, PARTITIONS, REPLICAS), 120,
                f"node {victim} back in every ISR")
    cc.wait_progress(writers, "after the restart")
    print(f"member saw {len(member.seen)} records so far")

    cc.join_all((*writers, member))
    print(f"load ran {time.monotonic() - started:.1f}s: "
          f"{ {w.name: len(w.acked) for w in writers} } acknowledged, member saw "
          f"{len(member.seen)} and committed {member.committed} "
          f"({member.commit_failures} failed commits, longest commit "
          f"{member.longest_commit:.1f}s, assignments {member.assignments}, "
          f"consumer errors: {member.errors[:5]})")
    last_seen = {p: max((o for (q, o) in member.seen if q == p), default=None)
                 for p in range(PARTITIONS)}
    print(f"member's last offset per partition: {last_seen}")

    stored = cc.read_everything(cluster.bootstrap, TOPIC, PARTITIONS)
    no_offset = cc.check_acknowledged(writers, stored)
    cc.check_order(stored)
    check(member.committed, "the group member committed offsets during the run")
    committed = cc.check_group_resumes(cluster.bootstrap, member, stored, TOPIC, PARTITIONS,
                                       GROUP)
    cc.check_member_saw_committed(member, committed, stored)
    print(f"verified {len(stored)} records ({no_offset} reports without offset): each "
          f"acknowledged one exactly once, in order; the group resumed at its committed "
          f"offsets")


if __name__ == "__main__":
    ch.main(test, nodes=3, overrides={"replication.election.timeout.ms": ELECTION_TIMEOUT_MS})
