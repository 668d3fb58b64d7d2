"""Consumer groups with confluent-kafka (librdkafka): members of one group split a
6-partition topic without overlap; a third member takes partitions over; one member
closes cleanly (LeaveGroup) and another is SIGKILLed, and the survivor owns every
partition within the session timeout. Every record is consumed and counted: none is
skipped, and only records the killed member had not committed may come twice.

Each member is a subprocess running this file with `worker BOOTSTRAP TOPIC GROUP`; it
prints JSON lines: assignments, and every record before and after its synchronous commit."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

TOPIC, GROUP, PARTITIONS, SESSION_MS = "group-topic", "confluent-group", 6, 6000


def worker(bootstrap, topic, group):
    from confluent_kafka import Consumer

    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_MS,
        "heartbeat.interval.ms": 300, "partition.assignment.strategy": "range",
    })
    consumer.subscribe([topic],
                       on_assign=lambda c, ps: emit({"assign": sorted(p.partition for p in ps)}),
                       on_revoke=lambda c, ps: emit({"revoke": sorted(p.partition for p in ps)}))
    while not stop:
        msg = consumer.poll(0.2)
        if msg is None or msg.error():
            continue
        emit({"msg": [msg.partition(), msg.offset()]})
        consumer.commit(message=msg, asynchronous=False)
        emit({"committed": [msg.partition(), msg.offset()]})
    consumer.close()  # LeaveGroup
    emit({"closed": True})


class Member:
    """A worker subprocess and what it printed so far."""

    def __init__(self, name, bootstrap, script, group):
        self.name = name
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(script), "worker",
                                      bootstrap, TOPIC, group], stdout=subprocess.PIPE)
        self.events = queue.Queue()
        self.assignment = None
        self.seen, self.committed = [], set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def drain(self):
        while True:
            try:
                e = self.events.get_nowait()
            except queue.Empty:
                return
            if "assign" in e:
                self.assignment = set(e["assign"])
            elif "revoke" in e:
                self.assignment = set()
            elif "msg" in e:
                self.seen.append(tuple(e["msg"]))
            elif "committed" in e:
                self.committed.add(tuple(e["committed"]))


def test(ctx):
    run_scenario(ctx, __file__, GROUP)


def run_scenario(ctx, script, group):
    """The whole scenario with members running `script worker BOOTSTRAP TOPIC GROUP`
    (shared by the tests of other clients)."""
    import harness
    from harness import check, check_equal, wait_until
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    node = ctx.node({"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "5"})
    admin = AdminClient({"bootstrap.servers": node.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(20)
    producer = Producer({"bootstrap.servers": node.bootstrap})
    produced = []

    def produce(n):
        start = len(produced)
        for i in range(start, start + n):
            producer.produce(TOPIC, value=f"v{i}".encode(), partition=i % PARTITIONS,
                             on_delivery=lambda err, m: produced.append((m.partition(), m.offset())))
        check_equal(producer.flush(30), 0, "unflushed records")

    members = []

    def live():
        return [m for m in members if m.proc.poll() is None]

    def split_ok(expected):
        for m in members:
            m.drain()
        owners = [m for m in expected]
        if any(m.assignment is None for m in owners):
            return False
        parts = [p for m in owners for p in m.assignment]
        return sorted(parts) == list(range(PARTITIONS)) and all(m.assignment for m in owners)

    def all_consumed():
        for m in members:
            m.drain()
        seen = {r for m in members for r in m.seen}
        return set(produced) <= seen

    a, b = Member("a", node.bootstrap, script, group), Member("b", node.bootstrap, script, group)
    members += [a, b]
    wait_until(lambda: split_ok([a, b]), 60, "two members to split the partitions")
    check(not (a.assignment & b.assignment), "a and b own the same partition")
    produce(300)
    wait_until(all_consumed, 60, "the first 300 records")

    c = Member("c", node.bootstrap, script, group)
    members.append(c)
    wait_until(lambda: split_ok([a, b, c]), 60, "three members to split the partitions")
    print(f"after join of c: a={sorted(a.assignment)} b={sorted(b.assignment)} "
          f"c={sorted(c.assignment)}")
    produce(300)
    wait_until(all_consumed, 60, "records 300..599")

    a.proc.send_signal(signal.SIGTERM)  # clean close: LeaveGroup
    check_equal(a.proc.wait(30), 0, "exit code of the cleanly closed member")
    wait_until(lambda: split_ok([b, c]), 60, "b and c to take a's partitions")
    b.proc.kill()  # no LeaveGroup: the coordinator must expire it
    killed_at = time.monotonic()
    b.proc.wait()
    wait_until(lambda: split_ok([c]), SESSION_MS / 1000 + 20, "c to own every partition")
    took = time.monotonic() - killed_at
    print(f"partitions of the killed member moved after {took:.1f}s")
    check(took < SESSION_MS / 1000 + 15, f"hand-over after SIGKILL took {took:.1f}s")
    produce(300)
    wait_until(all_consumed, 60, "records 600..899")

    for m in members:
        m.drain()
    seen_all = [r for m in members for r in m.seen]
    check_equal(len(set(produced)), 900, "records produced")
    check_equal(set(seen_all) >= set(produced), True, "every record consumed (none skipped)")
    dups = {r for r in seen_all if seen_all.count(r) > 1}
    uncommitted_b = set(b.seen) - b.committed
    check(dups <= uncommitted_b,
          f"records delivered twice that were committed before the hand-over: {dups - uncommitted_b}")
    print(f"900 records consumed, {len(dups)} redelivered (uncommitted by the killed member)")
    c.proc.send_signal(signal.SIGTERM)
    check_equal(c.proc.wait(30), 0, "exit code of the last member")
    # The group is Empty now (DescribeGroups via librdkafka's list_groups) and listed.
    groups = admin.list_groups(group=group, timeout=20)
    check_equal([(g.id, g.state, len(g.members)) for g in groups], [(group, "Empty", 0)],
                "DescribeGroups after every member left")
    check(group in [g.id for g in admin.list_groups(timeout=20)], "group listed by ListGroups")
    for m in members:
        if m.proc.poll() is None:
            m.proc.kill()
    # Close every client before the harness stops the node: a connection still open at
    # SIGTERM keeps its session actor alive and the node's shutdown hangs (listener bug,
    # reported); closing first keeps this test about groups.
    del admin, producer
    time.sleep(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(*sys.argv[2:5])
    else:
        import harness
        harness.main(test)
