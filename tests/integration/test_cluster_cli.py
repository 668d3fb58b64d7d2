"""`caudal cluster status|up|down` against single-node processes (no cluster mode needed).

* status of one node: the node itself is controller and the leader of every partition,
  replication factor 1, ISR = {itself}; nothing under-replicated or offline; exit 0.
* up --config-dir with two single-node configs: both nodes start detached, log and pid
  files appear, the bootstrap servers are printed; a second `up` refuses (exit 1);
  `down` SIGTERMs both (exit 0, pid files gone, processes gone); `down` again is a no-op.
* up with a node that cannot start fails and stops the others again; a config the node
  would refuse is refused before anything starts.
* usage errors exit 2.

    /usr/bin/python3 test_cluster_cli.py --caudal build/cmd/caudal
"""

import os
import socket
import subprocess

import harness
from harness import check, check_equal


def status_of_single_node(ctx):
    node = ctx.node({"node.id": "7"})
    ctx.cli_ok(node, "topic", "create", "solo", "-p", "2", "-r", "1")
    result = subprocess.run([ctx.caudal, "cluster", "status", "-b", node.bootstrap],
                            capture_output=True, text=True, timeout=60)
    check_equal(result.returncode, 0, f"status exit code ({result.stderr})")
    out = result.stdout
    check("CONTROLLER  7\n" in out, f"controller line in:\n{out}")
    check(f"7     {node.bootstrap}  -     up, controller\n" in out, f"node row in:\n{out}")
    rows = [line.split() for line in out.splitlines() if line.startswith("solo ")]
    check_equal(rows, [["solo", "0", "7", "7", "7", "ok"], ["solo", "1", "7", "7", "7", "ok"]],
                "partition rows")
    check("UNDER-REPLICATED  0\nOFFLINE           0\n" in out, f"counts in:\n{out}")
    node.stop()
    # Nobody answers: no metadata, exit 1 with an error on stderr.
    result = subprocess.run([ctx.caudal, "--timeout-ms", "1500", "cluster", "status", "-b",
                             node.bootstrap], capture_output=True, text=True, timeout=60)
    check_equal(result.returncode, 1, "status exit code without a node")
    check("caudal: cluster status:" in result.stderr, f"error text: {result.stderr}")


def write_single_node_configs(ctx, count, name):
    config_dir = os.path.join(ctx.workdir, name)
    os.makedirs(config_dir)
    ports = []
    for n in range(1, count + 1):
        port = harness.free_port()
        ports.append(port)
        with open(os.path.join(config_dir, f"node{n}.properties"), "w") as f:
            f.write(f"node.id={n}\nlisteners=PLAINTEXT://127.0.0.1:{port}\n"
                    f"log.dirs={ctx.workdir}/data/node{n}\n")
    return config_dir, ports


def pids_in(run_dir):
    return {name: int(open(os.path.join(run_dir, name)).read().split()[0])
            for name in os.listdir(run_dir) if name.endswith(".pid")}


def process_exists(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def caudal(ctx, *args, timeout=120):
    return subprocess.run([ctx.caudal, *args], capture_output=True, text=True, timeout=timeout)


def up_and_down(ctx):
    config_dir, ports = write_single_node_configs(ctx, 2, "configs")
    run_dir = os.path.join(ctx.workdir, "run")
    result = caudal(ctx, "cluster", "up", "--config-dir", config_dir, "--dir", run_dir)
    try:
        check_equal(result.returncode, 0, f"up exit code ({result.stderr})")
        bootstrap = ",".join(f"127.0.0.1:{p}" for p in ports)
        check(result.stdout.endswith(f"bootstrap.servers={bootstrap}\n"),
              f"bootstrap line in:\n{result.stdout}")
        pids = pids_in(run_dir)
        check_equal(sorted(pids), ["node1.pid", "node2.pid"], "pid files")
        check(all(process_exists(p) for p in pids.values()), "nodes running")
        for p in ports:
            socket.create_connection(("127.0.0.1", p), timeout=2).close()
        check(os.path.exists(os.path.join(run_dir, "node2.log")), "node2.log written")
        again = caudal(ctx, "cluster", "up", "--config-dir", config_dir, "--dir", run_dir)
        check_equal(again.returncode, 1, "second up exit code")
        check("still running" in again.stderr, f"second up error: {again.stderr}")
        check_equal(pids_in(run_dir), pids, "pid files after the refused up")
    finally:
        down = caudal(ctx, "cluster", "down", "--dir", run_dir)
    check_equal(down.returncode, 0, f"down exit code ({down.stderr})")
    check(down.stdout.count("stopped") == 2, f"down output:\n{down.stdout}")
    check_equal(pids_in(run_dir), {}, "pid files after down")
    harness.wait_until(lambda: not any(process_exists(p) for p in pids.values()), 10,
                       "node processes to be gone")
    idle = caudal(ctx, "cluster", "down", "--dir", run_dir)
    check_equal(idle.returncode, 0, "down without nodes")
    check("nothing to stop" in idle.stdout, f"idle down output: {idle.stdout}")


def failed_start_leaves_nothing(ctx):
    config_dir, ports = write_single_node_configs(ctx, 1, "configs-bad")
    blocker = ctx.file("not-a-dir", b"x")  # node 2's data dir is a file: it cannot start
    with open(os.path.join(config_dir, "node2.properties"), "w") as f:
        f.write(f"node.id=2\nlisteners=PLAINTEXT://127.0.0.1:{harness.free_port()}\n"
                f"log.dirs={blocker}/data\n")
    run_dir = os.path.join(ctx.workdir, "run-bad")
    result = caudal(ctx, "cluster", "up", "--config-dir", config_dir, "--dir", run_dir,
                    "--wait-ms", "20000")
    check_equal(result.returncode, 1, f"up with a node that cannot start ({result.stdout})")
    check("node 2 exited during startup" in result.stderr, f"error text: {result.stderr}")
    check_equal(pids_in(run_dir), {}, "pid files after a failed up")
    harness.wait_until(lambda: not port_open(ports[0]), 10, "node 1 to be stopped again")
    # A config the node would refuse is refused before anything starts.
    with open(os.path.join(config_dir, "node2.properties"), "w") as f:
        f.write("node.id=2\nnum.partitions=0\n")
    result = caudal(ctx, "cluster", "up", "--config-dir", config_dir, "--dir", run_dir)
    check_equal(result.returncode, 1, "up with an invalid config")
    check("num.partitions" in result.stderr, f"error text: {result.stderr}")
    check(not port_open(ports[0]), "nothing started for an invalid config")


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def usage_errors(ctx):
    for args in (["cluster"], ["cluster", "up"], ["cluster", "up", "--nodes", "0"],
                 ["cluster", "up", "--config-dir", ctx.workdir, "--base-port", "1000"],
                 ["cluster", "down", "--grace-ms", "x"]):
        check_equal(caudal(ctx, *args).returncode, 2, f"exit code of {' '.join(args)}")


def test(ctx):
    status_of_single_node(ctx)
    up_and_down(ctx)
    failed_start_leaves_nothing(ctx)
    usage_errors(ctx)


if __name__ == "__main__":
    harness.main(test)
