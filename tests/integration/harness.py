"""Shared harness of Caudal's integration tests.

Starts the real node (`caudal node --config FILE`) on a free port with a temporary data
directory, waits until it accepts connections, and stops it (SIGTERM, then SIGKILL) or
crashes it (SIGKILL) on demand; the node is always killed when the test ends, also when it
fails or the test process itself dies (PR_SET_PDEATHSIG). Each test script calls main(fn)
and receives a Context with the node and helpers for the `caudal` CLI and kcat.

Run a test by hand:  /usr/bin/python3 test_kcat.py --caudal build/cmd/caudal
"""

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # If the test runner is killed (ctest timeout), the node must not linger.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    """A port nobody listens on right now (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise TestFailure(f"{what}: expected {expected!r}, got {actual!r}")


def wait_until(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}")


class Node:
    """A Caudal node process with its own port, config file and data directory."""

    DEFAULTS = {
        "node.id": "1",
        "num.partitions": "1",
        "default.replication.factor": "1",
        "auto.create.topics.enable": "true",
        "log.segment.bytes": "1073741824",
        "log.retention.ms": "604800000",
        "log.retention.check.interval.ms": "300000",
        "socket.request.max.bytes": "104857600",
    }

    def __init__(self, caudal, workdir, overrides=None):
        self.caudal = caudal
        self.port = free_port()
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.config_path = os.path.join(workdir, "node.properties")
        self.log_path = os.path.join(workdir, "node.log")
        self.overrides = dict(overrides or {})
        self.proc = None
        self.starts = 0
        self.write_config()

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def write_config(self, overrides=None):
        if overrides is not None:
            self.overrides.update(overrides)
        props = dict(self.DEFAULTS)
        props.update({
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": self.data_dir,
        })
        props.update(self.overrides)
        with open(self.config_path, "w", encoding="utf-8") as f:
            for key, value in props.items():
                f.write(f"{key}={value}\n")

    def start(self, timeout=30):
        check(self.proc is None, "node already running")
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"--- start #{self.starts}\n".encode())
        log.flush()
        self.proc = subprocess.Popen([self.caudal, "node", "--config", self.config_path],
                                     stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
                                     preexec_fn=_die_with_parent)
        log.close()
        wait_until(self._accepting, timeout, f"node to listen on {self.bootstrap}")

    def _accepting(self):
        if self.proc.poll() is not None:
            raise TestFailure(f"node exited with code {self.proc.returncode} during startup")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        """Graceful stop; returns the exit code (SIGKILLs if SIGTERM is ignored)."""
        if self.proc is None:
            return None
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
        """Crash: SIGKILL, no chance to flush or clean up."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def restart(self, crash=False):
        self.kill() if crash else self.stop()
        self.start()

    def log_tail(self, lines=60):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"


class Context:
    """What a test function gets: the node plus tools bound to it."""

    def __init__(self, caudal, workdir):
        self.caudal = caudal
        self.workdir = workdir
        self.nodes = []

    def node(self, overrides=None, start=True):
        workdir = tempfile.mkdtemp(prefix="node-", dir=self.workdir)
        node = Node(self.caudal, workdir, overrides)
        self.nodes.append(node)
        if start:
            node.start()
        return node

    def file(self, name, data):
        path = os.path.join(self.workdir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def cli(self, node, *args, stdin=None, timeout=60):
        """Runs `caudal -X <node> ARGS...`; returns CompletedProcess with bytes output."""
        return subprocess.run([self.caudal, "-X", node.bootstrap, *args], input=stdin,
                              capture_output=True, timeout=timeout)

    def cli_ok(self, node, *args, stdin=None, timeout=60):
        result = self.cli(node, *args, stdin=stdin, timeout=timeout)
        if result.returncode != 0:
            raise TestFailure(f"caudal {' '.join(args)} exited {result.returncode}: "
                              f"{result.stderr.decode(errors='replace')}")
        return result

    def kcat(self, node, *args, stdin=None, timeout=60):
        result = subprocess.run(["kcat", "-b", node.bootstrap, *args], input=stdin,
                                capture_output=True, timeout=timeout)
        if result.returncode != 0:
            raise TestFailure(f"kcat {' '.join(args)} exited {result.returncode}: "
                              f"{result.stderr.decode(errors='replace')}")
        return result


def main(test_fn):
    """Entry point of a test script: parses --caudal, runs test_fn(ctx), cleans up."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--caudal", required=True, help="path of the caudal executable")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir afterwards")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="caudal-it-")
    ctx = Context(os.path.abspath(args.caudal), workdir)
    ok = False
    try:
        test_fn(ctx)
        for node in ctx.nodes:
            check(node.proc is None or node.alive(), "node died during the test")
            code = node.stop()
            check(code in (None, 0), f"node exited with {code} after SIGTERM, expected 0")
        ok = True
    except Exception:  # report every failure the same way, with the node's log
        traceback.print_exc()
        for node in ctx.nodes:
            print(f"--- node log ({node.log_path}), last lines:\n{node.log_tail()}",
                  file=sys.stderr)
    finally:
        for node in ctx.nodes:
            node.kill()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"test files kept in {workdir}", file=sys.stderr)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)
