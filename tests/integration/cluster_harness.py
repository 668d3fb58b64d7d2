"""Harness of Caudal's cluster integration tests: N real `caudal node` processes on loopback.

Every node gets two free ports (client PLAINTEXT listener and inter-node CONTROLLER
listener), its own config, data dir and log under the test's temp dir; all nodes are voters
of the metadata quorum. Nodes can be stopped (SIGTERM), crashed (SIGKILL), paused (SIGSTOP),
resumed (SIGCONT) and restarted; they always die with the test process (PR_SET_PDEATHSIG),
and are killed when the test ends. Helpers read metadata through confluent-kafka, find a
partition's leader and wait for conditions with a timeout.

A test script calls main(fn, nodes=3) and receives a Cluster:
    /usr/bin/python3 test_cluster_basic.py --caudal build/cmd/caudal [--keep]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

from confluent_kafka.admin import AdminClient, NewTopic

import harness
from harness import TestFailure, check, check_equal, free_port

# Tests import these from here so they need only this module.
__all__ = ["Cluster", "ClusterNode", "TestFailure", "check", "check_equal", "free_port",
           "main", "wait_for"]


def wait_for(predicate, timeout, what, interval=0.1):
    """Calls predicate() until it returns a truthy value (returned) or `timeout` seconds
    pass (TestFailure naming `what`). Exceptions of the predicate count as 'not yet': a
    cluster in the middle of a failover answers with errors for a while."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as e:  # noqa: BLE001 - remembered and reported on timeout
            last_error = e
        time.sleep(interval)
    detail = f" (last error: {last_error!r})" if last_error else ""
    raise TestFailure(f"timed out after {timeout}s waiting for {what}{detail}")


class ClusterNode:
    """One node process: id, ports, config, data dir and log; survives restarts."""

    def __init__(self, caudal, workdir, node_id):
        self.caudal = caudal
        self.id = node_id
        self.port = free_port()
        self.controller_port = free_port()
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.config_path = os.path.join(workdir, "node.properties")
        self.log_path = os.path.join(workdir, "node.log")
        self.proc = None
        self.paused = False
        self.starts = 0

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def voter(self):
        return f"{self.id}@127.0.0.1:{self.controller_port}"

    def write_config(self, props):
        with open(self.config_path, "w", encoding="utf-8") as f:
            for key, value in props.items():
                f.write(f"{key}={value}\n")

    def launch(self):
        """Starts the process without waiting; see wait_listening()."""
        check(self.proc is None, f"node {self.id} already running")
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start #{self.starts}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [self.caudal, "node", "--config", self.config_path], stdout=log,
                stderr=subprocess.STDOUT, cwd=self.workdir, preexec_fn=harness._die_with_parent)
        self.paused = False

    def accepting(self):
        if self.proc.poll() is not None:
            raise TestFailure(f"node {self.id} exited with code {self.proc.returncode} "
                              f"during startup")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def wait_listening(self, timeout=30):
        harness.wait_until(self.accepting, timeout, f"node {self.id} to listen on "
                           f"{self.bootstrap}")

    def start(self, timeout=30):
        self.launch()
        self.wait_listening(timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def running(self):
        """Alive and not paused: able to answer."""
        return self.alive() and not self.paused

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code (SIGKILL if SIGTERM is not obeyed in time)."""
        if self.proc is None:
            return None
        self.resume()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code, self.proc = self.proc.returncode, None
        return code

    def kill(self):
        """Crash: SIGKILL, nothing flushed, no goodbye to the peers."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        self.proc, self.paused = None, False

    def pause(self):
        """SIGSTOP: the process keeps its sockets but answers nothing (a hung machine)."""
        check(self.alive() and not self.paused, f"node {self.id} is not running")
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.proc is not None and self.paused:
            self.proc.send_signal(signal.SIGCONT)
            self.paused = False

    def restart(self, crash=False, timeout=30):
        self.kill() if crash else self.stop()
        self.start(timeout)

    def log_tail(self, lines=80):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"


class Cluster:
    """N nodes that are all voters of the metadata quorum, plus metadata helpers."""

    DEFAULTS = {
        "num.partitions": "3",
        "auto.create.topics.enable": "true",
        "log.segment.bytes": "1073741824",
        "log.retention.ms": "604800000",
        "controller.listener.names": "CONTROLLER",
    }

    def __init__(self, caudal, workdir, count, overrides=None):
        self.caudal = caudal
        self.workdir = workdir
        self.overrides = dict(overrides or {})
        self.nodes = []
        for node_id in range(1, count + 1):
            node_dir = os.path.join(workdir, f"node{node_id}")
            os.makedirs(node_dir, exist_ok=True)
            self.nodes.append(ClusterNode(caudal, node_dir, node_id))
        self.write_configs()
        self._admins = {}

    @property
    def bootstrap(self):
        return ",".join(n.bootstrap for n in self.nodes)

    def node(self, node_id):
        return next(n for n in self.nodes if n.id == node_id)

    def config_of(self, node):
        replicas = min(3, len(self.nodes))
        props = dict(self.DEFAULTS)
        props.update({
            "node.id": str(node.id),
            "listeners": f"PLAINTEXT://127.0.0.1:{node.port},"
                         f"CONTROLLER://127.0.0.1:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node.port}",
            # Nodes added by add_node() are not voters: they follow the metadata log.
            "controller.quorum.voters": ",".join(n.voter() for n in self.nodes
                                                 if not getattr(n, "observer", False)),
            "broker.rack": f"rack-{node.id}",
            "log.dirs": node.data_dir,
            "default.replication.factor": str(replicas),
            "min.insync.replicas": "2" if replicas >= 3 else "1",
        })
        props.update(self.overrides)
        return props

    def write_configs(self, overrides=None):
        if overrides:
            self.overrides.update(overrides)
        for n in self.nodes:
            n.write_config(self.config_of(n))

    def start(self, timeout=60):
        """Launches every node, then waits until all listen and Metadata lists all of them
        (registered with the controller: only then are they placement targets)."""
        for n in self.nodes:
            n.launch()
        for n in self.nodes:
            n.wait_listening(timeout)
        self.wait_registered(timeout)

    def wait_registered(self, timeout=60):
        want = sorted(n.id for n in self.running())
        wait_for(lambda: sorted(self.metadata(timeout=2).brokers) == want, timeout,
                 f"Metadata to list nodes {want}")

    def running(self):
        return [n for n in self.nodes if n.running()]

    def add_node(self, start=True, timeout=60):
        """A new node N+1 (N = the highest id so far) that is not a voter of the metadata
        quorum: its controller.quorum.voters lists the original nodes only, so it joins as a
        broker that follows the metadata log. Unless start=False, starts it and waits until
        Metadata lists it. The other nodes' configs are not changed."""
        node_id = max(n.id for n in self.nodes) + 1
        node_dir = os.path.join(self.workdir, f"node{node_id}")
        os.makedirs(node_dir, exist_ok=True)
        node = ClusterNode(self.caudal, node_dir, node_id)
        node.observer = True
        self.nodes.append(node)
        node.write_config(self.config_of(node))
        if start:
            node.start(timeout)
            wait_for(lambda: node_id in self.metadata(timeout=2).brokers, timeout,
                     f"Metadata to list the added node {node_id}")
        return node

    # ---- metadata -------------------------------------------------------------------

    def admin(self, node=None):
        """An AdminClient bootstrapped from `node` (default: every node)."""
        key = node.id if node else 0
        if key not in self._admins:
            servers = node.bootstrap if node else self.bootstrap
            self._admins[key] = AdminClient({"bootstrap.servers": servers,
                                             "socket.timeout.ms": 3000})
        return self._admins[key]

    def metadata(self, topic=None, timeout=5):
        """ClusterMetadata from a running node (the first that answers)."""
        last = None
        for n in self.running():
            try:
                return self.admin(n).list_topics(topic=topic, timeout=timeout)
            except Exception as e:  # noqa: BLE001 - try the next node
                last = e
        raise TestFailure(f"no running node answered Metadata: {last!r}")

    def partitions(self, topic, timeout=5):
        """{partition id: PartitionMetadata} of `topic` (TestFailure if unknown)."""
        md = self.metadata(topic, timeout)
        t = md.topics.get(topic)
        check(t is not None and t.error is None, f"topic {topic} in metadata: {t and t.error}")
        return t.partitions

    def leader(self, topic, partition, timeout=5):
        """The partition's leader id as Metadata reports it (-1: none)."""
        return self.partitions(topic, timeout)[partition].leader

    def leaders(self, topic, timeout=5):
        return {p: pm.leader for p, pm in self.partitions(topic, timeout).items()}

    def fully_replicated(self, topic, partitions, replicas):
        """True when `topic` has `partitions` partitions, each with a leader, `replicas`
        replicas and all of them in sync."""
        ps = self.partitions(topic)
        return len(ps) == partitions and all(
            pm.leader >= 0 and len(pm.replicas) == replicas and
            sorted(pm.isrs) == sorted(pm.replicas) for pm in ps.values())

    def create_topic(self, name, partitions, replicas, config=None, timeout=60):
        """CreateTopics, then waits until every partition has a leader and a full ISR."""
        futures = self.admin().create_topics(
            [NewTopic(name, partitions, replicas, config=dict(config or {}))],
            operation_timeout=30, request_timeout=30)
        futures[name].result(timeout)
        wait_for(lambda: self.fully_replicated(name, partitions, replicas), timeout,
                 f"{name}: {partitions} partitions with {replicas} in-sync replicas")

    # ---- processes ------------------------------------------------------------------

    def cli(self, *args, timeout=60):
        """Runs `caudal -X <all nodes> ARGS...`; CompletedProcess with text output."""
        return subprocess.run([self.caudal, "-X", self.bootstrap, *args], capture_output=True,
                              text=True, timeout=timeout)

    def close_clients(self):
        """Drops the admin clients, so they do not log reconnect attempts while the nodes
        shut down."""
        self._admins.clear()

    def kill_all(self):
        for n in self.nodes:
            n.kill()

    def report_logs(self, out=sys.stderr):
        for n in self.nodes:
            print(f"--- node {n.id} log ({n.log_path}), last lines:\n{n.log_tail()}", file=out)


def main(test_fn, nodes=3, overrides=None):
    """Entry point of a cluster test script: parses --caudal, runs test_fn(cluster), stops
    every node (each must exit 0 on SIGTERM), prints PASS/FAIL and exits 0/1."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--caudal", required=True, help="path of the caudal executable")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir afterwards")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="caudal-cluster-it-")
    cluster = Cluster(os.path.abspath(args.caudal), workdir, nodes, overrides)
    ok = False
    try:
        test_fn(cluster)
        cluster.close_clients()
        for n in cluster.nodes:
            check(n.proc is None or n.alive(), f"node {n.id} died during the test")
        for n in cluster.nodes:
            code = n.stop()
            check(code in (None, 0), f"node {n.id} exited with {code} after SIGTERM, "
                                     f"expected 0")
        ok = True
    except Exception:  # every failure is reported the same way, with the node logs
        traceback.print_exc()
        cluster.report_logs()
    finally:
        cluster.close_clients()
        cluster.kill_all()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"test files kept in {workdir}", file=sys.stderr)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)
