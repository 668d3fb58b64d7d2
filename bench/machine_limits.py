#!/usr/bin/python3
"""Measures this machine's ceilings for a broker benchmark, in the same run as the benchmark.

- loopback TCP throughput: a sender process writes 1 MiB buffers to a receiver process over
  127.0.0.1 for --seconds; the receiver times first byte to EOF. (A Python socket pair: the
  kernel copy dominates 1 MiB writes, and no extra package such as iperf3 is needed.)
- sequential disk write throughput in --dir's filesystem, 1 MiB writes:
  * "buffered": write for --seconds (at most --max-bytes), then one fdatasync, timed to its end
    (what `dd bs=1M conv=fdatasync` measures);
  * "fsync each 1 MiB": fdatasync after every 1 MiB write (a broker fsyncing every batch).

Each measurement runs --repeat times and reports the median (this machine's virtual disk is
noisy: single runs vary by 2x); every run's figure is kept in the JSON as "runs_mib_per_s".
Prints one line per measurement and, with --json FILE, writes all numbers as JSON.
"""
import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time

MIB = 1024 * 1024


def loopback_tcp(seconds):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # receiver
        os.close(read_end)
        conn, _ = listener.accept()
        buf = bytearray(MIB)
        view = memoryview(buf)
        total, first = 0, None
        while True:
            n = conn.recv_into(view)
            if n == 0:
                break
            if first is None:
                first = time.perf_counter()
            total += n
        elapsed = time.perf_counter() - first if first is not None else 0.0
        os.write(write_end, json.dumps({"bytes": total, "seconds": elapsed}).encode())
        os._exit(0)
    os.close(write_end)
    listener.close()
    sender = socket.create_connection(("127.0.0.1", port))
    chunk = os.urandom(MIB)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sender.sendall(chunk)
    sender.shutdown(socket.SHUT_WR)
    sender.close()
    report = b""
    while True:
        part = os.read(read_end, 4096)
        if not part:
            break
        report += part
    os.close(read_end)
    os.waitpid(pid, 0)
    result = json.loads(report)
    result["mib_per_s"] = result["bytes"] / MIB / result["seconds"]
    return result


def disk_write(directory, seconds, max_bytes, fsync_each):
    path = os.path.join(directory, "caudal-machine-limits.tmp")
    chunk = os.urandom(MIB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        total = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline and total < max_bytes:
            total += os.write(fd, chunk)
            if fsync_each:
                os.fdatasync(fd)
        os.fdatasync(fd)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
        os.unlink(path)
    return {"bytes": total, "seconds": elapsed, "mib_per_s": total / MIB / elapsed}


def repeated(times, measure):
    runs = [measure() for _ in range(times)]
    best = sorted(runs, key=lambda r: r["mib_per_s"])[len(runs) // 2]
    result = dict(best)
    result["mib_per_s"] = statistics.median(r["mib_per_s"] for r in runs)
    result["runs_mib_per_s"] = [round(r["mib_per_s"], 1) for r in runs]
    return result


def show(label, result):
    runs = ", ".join(f"{r:.0f}" for r in result["runs_mib_per_s"])
    print(f"{label}: {result['mib_per_s']:.0f} MiB/s (median of {runs})", flush=True)


def machine(directory):
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    fs = subprocess.run(["stat", "-f", "-c", "%T", directory], capture_output=True, text=True)
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load1 = float(f.read().split()[0])
    return {
        "load1_at_start": load1,
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "data_dir": os.path.abspath(directory),
        "data_fs": fs.stdout.strip(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=".", help="directory on the data filesystem")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--max-bytes", type=int, default=4 * 1024 * MIB,
                        help="cap on the buffered disk write")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    result = {"machine": machine(args.dir), "method": "python socket pair; python os.write+fdatasync"}
    result["repeat"] = args.repeat
    result["seconds_each"] = args.seconds
    result["loopback_tcp"] = repeated(args.repeat, lambda: loopback_tcp(args.seconds))
    show("loopback TCP, 1 MiB writes", result["loopback_tcp"])
    result["disk_buffered"] = repeated(
        args.repeat, lambda: disk_write(args.dir, args.seconds, args.max_bytes, False))
    show("disk sequential write, one fdatasync at end", result["disk_buffered"])
    result["disk_fsync_each"] = repeated(
        args.repeat, lambda: disk_write(args.dir, args.seconds, args.max_bytes, True))
    show("disk sequential write, fdatasync every 1 MiB", result["disk_fsync_each"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
