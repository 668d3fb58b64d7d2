"""`caudal cluster up --nodes 3` starts a real 3-node cluster from generated configs;
`caudal cluster status` shows the nodes with their racks, the controller and healthy RF=3
partitions; after one node is SIGKILLed it shows that node down, its partitions
under-replicated but none offline (exit 0); `caudal cluster down` stops the rest.

    /usr/bin/python3 test_cluster_up.py --caudal build/cmd/caudal
"""

import os
import random
import signal
import socket
import subprocess

import cluster_harness as ch
import harness
from cluster_harness import check, check_equal

TOPIC = "up-topic"


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_base_port(nodes):
    """A base port whose client (base..) and inter-node (base+100..) ports are all free."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(30000, 60000)
        ports = [base + i for i in range(nodes)] + [base + 100 + i for i in range(nodes)]
        if all(port_free(p) for p in ports):
            return base
    raise ch.TestFailure("no free port range found")


def caudal(ctx, *args, timeout=120):
    return subprocess.run([ctx.caudal, *args], capture_output=True, text=True, timeout=timeout)


def status(ctx, bootstrap):
    return caudal(ctx, "cluster", "status", "-b", bootstrap)


def healthy(ctx, bootstrap):
    result = status(ctx, bootstrap)
    out = result.stdout
    rows = [line.split() for line in out.splitlines() if line.startswith(TOPIC + " ")]
    return (result.returncode == 0 and len(rows) == 3 and
            all(row[-1] == "ok" and len(row[3].split(",")) == 3 for row in rows) and out)


def degraded(ctx, bootstrap, dead, last):
    """Status once node `dead`'s partitions are led elsewhere and its replicas are out of
    the ISRs: under-replicated, but nothing offline (exit 0). Writes keep flowing meanwhile:
    a leader drops a silent follower from the ISR once it lags behind new records."""
    lines = "".join(f"k{i}|v{i}\n" for i in range(30))
    subprocess.run([ctx.caudal, "-X", bootstrap, "produce", TOPIC, "-k", "|", "--acks", "all"],
                   input=lines, capture_output=True, text=True, timeout=60)
    result = status(ctx, bootstrap)
    out = last["status"] = f"exit {result.returncode}\n{result.stdout}{result.stderr}"
    out = result.stdout
    rows = [line.split() for line in out.splitlines() if line.startswith(TOPIC + " ")]
    return (result.returncode == 0 and len(rows) == 3 and
            all(row[2] not in ("none", str(dead)) for row in rows) and
            all(row[-1] == "under-replicated" for row in rows) and
            "OFFLINE           0" in out and out)


def test(ctx):
    run_dir = os.path.join(ctx.workdir, "cluster")
    base = free_base_port(3)
    up = caudal(ctx, "cluster", "up", "--nodes", "3", "--dir", run_dir, "--base-port", str(base))
    try:
        check_equal(up.returncode, 0, f"up exit code ({up.stderr})")
        bootstrap = ",".join(f"127.0.0.1:{base + i}" for i in range(3))
        check(up.stdout.endswith(f"bootstrap.servers={bootstrap}\n"), f"up output:\n{up.stdout}")
        create = caudal(ctx, "-X", bootstrap, "topic", "create", TOPIC, "-p", "3", "-r", "3")
        check_equal(create.returncode, 0, f"topic create ({create.stderr})")
        out = ch.wait_for(lambda: healthy(ctx, bootstrap), 60, "a healthy cluster status")
        for i, rack in enumerate(("rack-a", "rack-b", "rack-c")):
            check(f"{i + 1}     127.0.0.1:{base + i}  {rack}" in out, f"node {i + 1} in:\n{out}")
        check("up, controller" in out, f"controller marked in:\n{out}")

        victim_pid = int(open(os.path.join(run_dir, "node3.pid")).read().split()[0])
        os.kill(victim_pid, signal.SIGKILL)
        survivors = ",".join(f"127.0.0.1:{base + i}" for i in range(2))
        last = {}
        try:
            out = ch.wait_for(lambda: degraded(ctx, survivors, 3, last), 60,
                              "status with node 3 down and its partitions led elsewhere")
        except ch.TestFailure:
            print(f"last status:\n{last.get('status')}")
            raise
        # Metadata lists live nodes only, so the dead one appears as a "down" row.
        check(["3", "-", "-", "down"] in [line.split() for line in out.splitlines()],
              f"node 3 shown down in:\n{out}")
        print(out)
    finally:
        down = caudal(ctx, "cluster", "down", "--dir", run_dir)
    check_equal(down.returncode, 0, f"down exit code ({down.stderr})")
    check(down.stdout.count("stopped") == 2 and "not running" in down.stdout,
          f"down output:\n{down.stdout}")


if __name__ == "__main__":
    harness.main(test)
