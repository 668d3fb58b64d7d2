#!/usr/bin/python3
"""Single node versus a 3-node RF=3 cluster, in one run, plus leader failover time.

Runs caudal-load with acks=all against (a) one node and (b) three nodes on loopback with a
replication factor of 3 and min.insync.replicas=2, then measures how long a partition's
leadership takes to move after its leader is SIGKILLed. Writes a Markdown section into
docs/benchmarks.md (between <!-- cluster:begin --> and <!-- cluster:end -->) unless --no-doc.

    /usr/bin/python3 bench/cluster_bench.py --build build-bench [--messages N] [--no-doc]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from confluent_kafka.admin import AdminClient, NewTopic

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_config(node_id, client_port, peer_port, voters, data_dir, cluster, extra=()):
    lines = [
        f"node.id={node_id}",
        f"log.dirs={data_dir}",
        "num.partitions=1",
        "auto.create.topics.enable=true",
    ]
    if cluster:
        lines += [
            f"listeners=PLAINTEXT://127.0.0.1:{client_port},CONTROLLER://127.0.0.1:{peer_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{client_port}",
            f"controller.quorum.voters={voters}",
            "default.replication.factor=3",
            "min.insync.replicas=2",
            f"broker.rack=rack{node_id}",
        ]
    else:
        lines += [f"listeners=PLAINTEXT://127.0.0.1:{client_port}", "default.replication.factor=1"]
    return "\n".join(lines + list(extra)) + "\n"


class Nodes:
    """The node processes of one configuration (1 single node, or N cluster nodes)."""

    def __init__(self, caudal, work, count, cluster, extra=()):
        self.caudal, self.work, self.procs, self.ports = caudal, work, {}, {}
        peers = {i: free_port() for i in range(1, count + 1)}
        voters = ",".join(f"{i}@127.0.0.1:{p}" for i, p in peers.items())
        for i in range(1, count + 1):
            self.ports[i] = free_port()
            path = os.path.join(work, f"node{i}.properties")
            with open(path, "w") as f:
                f.write(node_config(i, self.ports[i], peers[i], voters,
                                    os.path.join(work, f"data{i}"), cluster, extra))
        self.count = count

    def bootstrap(self, skip=None):
        return ",".join(f"127.0.0.1:{p}" for i, p in self.ports.items() if i != skip)

    def start(self, i):
        log = open(os.path.join(self.work, f"node{i}.log"), "a")
        self.procs[i] = subprocess.Popen(
            [self.caudal, "node", "--config", os.path.join(self.work, f"node{i}.properties")],
            stdout=log, stderr=subprocess.STDOUT)

    def start_all(self):
        for i in range(1, self.count + 1):
            self.start(i)
        wait_for(lambda: len(brokers(self.bootstrap())) == self.count, 60, "all nodes registered")

    def kill(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 2000})


def brokers(bootstrap):
    try:
        return admin(bootstrap).list_topics(timeout=2).brokers
    except Exception:
        return {}


def partition_leader(bootstrap, topic, partition):
    try:
        md = admin(bootstrap).list_topics(topic=topic, timeout=2)
        return md.topics[topic].partitions[partition].leader
    except Exception:
        return -1


def partition_isr(bootstrap, topic, partition):
    try:
        md = admin(bootstrap).list_topics(topic=topic, timeout=2)
        return list(md.topics[topic].partitions[partition].isrs)
    except Exception:
        return []


def wait_for(pred, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def create_topic(bootstrap, topic, partitions, rf):
    """Creates the topic and waits until every partition has a leader (a new replicated
    partition elects one first), so the load tool starts on a ready topic."""
    client = admin(bootstrap)  # must outlive the future
    client.create_topics([NewTopic(topic, partitions, rf)])[topic].result(30)

    def ready():
        try:
            md = admin(bootstrap).list_topics(topic=topic, timeout=2).topics[topic]
            return len(md.partitions) == partitions and all(
                p.leader >= 0 for p in md.partitions.values())
        except Exception:
            return False

    wait_for(ready, 60, f"leaders of {topic}")


def load(build, bootstrap, topic, mode, args):
    cmd = [os.path.join(build, "bench", "caudal-load"), "-b", bootstrap, "-t", topic,
           "--mode", mode, "--json"] + args
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr.decode()[-2000:]}")
    return json.loads(out.stdout)


def load_runs(build, nodes, rf, a):
    for topic in ("bench-acks-all", "bench-acks-all-latency"):
        create_topic(nodes.bootstrap(), topic, 1, rf)
    common = ["--size", str(a.size), "--acks", "all", "--producers", "1", "--no-create"]
    produce = load(build, nodes.bootstrap(), "bench-acks-all", "produce",
                   ["--messages", str(a.messages), "--duration-s", str(a.duration_s)] + common)
    latency = load(build, nodes.bootstrap(), "bench-acks-all-latency", "both",
                   ["--rate", str(a.lat_rate), "--duration-s", str(a.lat_duration_s)] + common)
    return produce, latency


def failover_once(nodes, topic):
    """SIGKILLs the leader of partition 0; seconds until another node leads it."""
    leader = partition_leader(nodes.bootstrap(), topic, 0)
    if leader < 1:
        raise RuntimeError("no leader to kill")
    others = nodes.bootstrap(skip=leader)
    killed_at = time.monotonic()
    nodes.kill(leader)
    wait_for(lambda: partition_leader(others, topic, 0) not in (-1, leader), 60, "a new leader")
    moved_s = time.monotonic() - killed_at
    nodes.start(leader)
    wait_for(lambda: len(partition_isr(nodes.bootstrap(), topic, 0)) == 3, 90, "full ISR again")
    return leader, moved_s


def failover_runs(build, nodes, rounds):
    topic = "bench-failover"
    create_topic(nodes.bootstrap(), topic, 1, 3)
    load(build, nodes.bootstrap(), topic, "produce",
         ["--messages", "1000", "--size", "100", "--acks", "all", "--no-create"])
    wait_for(lambda: len(partition_isr(nodes.bootstrap(), topic, 0)) == 3, 60, "full ISR")
    return [failover_once(nodes, topic) for _ in range(rounds)]


def measure(build, caudal, a, count, cluster, rounds=0, extra=()):
    work = tempfile.mkdtemp(prefix="caudal-cluster-bench.", dir=a.tmp)
    nodes = Nodes(caudal, work, count, cluster, extra)
    try:
        nodes.start_all()
        produce, latency = load_runs(build, nodes, 3 if cluster else 1, a)
        failovers = failover_runs(build, nodes, rounds) if rounds else []
        return produce, latency, failovers
    finally:
        nodes.stop_all()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


def row(name, produce, both):
    p = produce["produce"]
    ack = both["produce"]["latency"]
    e2e = both["consume"]["e2e_latency"]
    return (f"| {name} | {p['mib_per_s']:.1f} | {p['msgs_per_s']:.0f} | "
            f"{p['latency']['p50_us'] / 1e3:.2f} / {p['latency']['p99_us'] / 1e3:.2f} | "
            f"{ack['p50_us'] / 1e3:.2f} / {ack['p99_us'] / 1e3:.2f} | "
            f"{e2e['p50_us'] / 1e3:.2f} / {e2e['p99_us'] / 1e3:.2f} |")


def report(a, single, cluster, nosync, command):
    lines = [
        "<!-- cluster:begin -->",
        f"### Cluster: 3 nodes, RF=3, acks=all (generated {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)",
        "",
        f"Command: `{command}` (one run; the configurations measured back to back on this "
        f"2-core machine, every node on loopback; load average at start "
        f"{os.getloadavg()[0]:.1f}).",
        "",
        f"{a.size} B messages, one producer, one partition, acks=all. Throughput run: up to "
        f"{a.messages} messages or {a.duration_s} s, unthrottled (its latency includes "
        f"queueing). Fixed-rate run: {a.lat_rate} msgs/s for {a.lat_duration_s} s while a "
        "consumer reads (produce→ack and end-to-end produce→consume latency).",
        "",
        "| configuration | produce MiB/s | msgs/s | throughput run ack p50 / p99 ms "
        "| fixed rate ack p50 / p99 ms | fixed rate end-to-end p50 / p99 ms |",
        "|---|---|---|---|---|---|",
        row("1 node (RF=1)", *single[:2]),
        row("3 nodes (RF=3, min.insync.replicas=2)", *cluster[:2]),
        row("3 nodes, replication.flush.before.ack=false", *nosync[:2]),
        "",
        "With `replication.flush.before.ack=true` (the default) every replica fsyncs before it "
        "acknowledges, so the cluster rows depend on this machine's fsync latency, which other "
        "disk writers (builds) change a lot between runs; the last row shows the same cluster "
        "without those fsyncs.",
        "",
        "Leader failover (SIGKILL of partition 0's leader; time until Metadata from another node "
        "names a new leader; replication.election.timeout.ms=1500, i.e. timeouts drawn from "
        "1.5-3 s):",
        "",
        "| round | killed node | leadership moved after |",
        "|---|---|---|",
    ]
    for i, (node, s) in enumerate(cluster[2], 1):
        lines.append(f"| {i} | {node} | {s:.2f} s |")
    lines.append("<!-- cluster:end -->")
    return "\n".join(lines)


def write_doc(section):
    path = os.path.join(REPO, "docs", "benchmarks.md")
    text = open(path).read()
    pattern = re.compile(r"<!-- cluster:begin -->.*?<!-- cluster:end -->", re.S)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    open(path, "w").write(text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(REPO, "build-bench"))
    p.add_argument("--messages", type=int, default=200000)
    p.add_argument("--duration-s", type=int, default=20)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--lat-rate", type=int, default=2000)
    p.add_argument("--lat-duration-s", type=int, default=15)
    p.add_argument("--failovers", type=int, default=3)
    p.add_argument("--tmp", default="/tmp")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--no-doc", action="store_true")
    a = p.parse_args()
    build = os.path.abspath(a.build)
    caudal = os.path.join(build, "cmd", "caudal")
    single = measure(build, caudal, a, 1, False)
    cluster = measure(build, caudal, a, 3, True, rounds=a.failovers)
    nosync = measure(build, caudal, a, 3, True, extra=["replication.flush.before.ack=false"])
    command = "/usr/bin/python3 bench/cluster_bench.py " + " ".join(sys.argv[1:])
    section = report(a, single, cluster, nosync, command.strip())
    print(section)
    if not a.no_doc:
        write_doc(section)


if __name__ == "__main__":
    main()
