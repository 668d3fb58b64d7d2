"""kafkajs 2.2.4 (node): admin create/list/metadata/delete and a producer; the records are
then read back byte-exact with confluent-kafka (kafkajs' own consumer needs consumer
groups, tested separately once the group coordinator exists)."""

import json
import os
import subprocess

import clients
import harness
from harness import check, check_equal

TOPIC = "kafkajs-topic"
COUNT = 200


def test(ctx):
    check(os.path.isdir(os.path.join(harness.HERE, "node_modules", "kafkajs")),
          "kafkajs missing: run scripts/install-deps.sh (npm ci in tests/integration)")
    node = ctx.node()
    run = subprocess.run(["node", os.path.join(harness.HERE, "kafkajs_produce.js"),
                          node.bootstrap, TOPIC, str(COUNT)],
                         capture_output=True, timeout=120, cwd=harness.HERE)
    check(run.returncode == 0, f"kafkajs exited {run.returncode}: {run.stderr.decode()}")
    report = json.loads(run.stdout)
    sent = [(bytes.fromhex(m["key"]), bytes.fromhex(m["value"]),
             [(k, bytes.fromhex(v)) for k, v in m["headers"]]) for m in report["messages"]]
    check_equal(len(sent), COUNT, "messages reported by kafkajs")

    # Each partition's records, with offsets 0..n-1, read with confluent-kafka.
    ends = clients.watermarks(node.bootstrap, TOPIC, [0, 1])
    check_equal(sum(hi for _, hi in ends.values()), COUNT, "records stored")
    check(all(lo == 0 for lo, _ in ends.values()), f"log start offsets {ends}")
    got = clients.read_partitions(node.bootstrap, TOPIC, [0, 1], {p: hi for p, (_, hi) in ends.items()})
    seq_at = {}
    for (partition, offset), (key, value, headers) in got.items():
        seq = int(dict(headers)["seq"])
        check_equal((key, value, headers), sent[seq], f"record seq {seq} at {partition}/{offset}")
        check(seq not in seq_at.values(), f"seq {seq} stored twice")
        seq_at[(partition, offset)] = seq
    check_equal(sorted(seq_at.values()), list(range(COUNT)), "sequence numbers read back")
    for p in (0, 1):
        seqs = [seq_at[pos] for pos in sorted(seq_at) if pos[0] == p]
        check_equal(seqs, sorted(seqs), f"order within partition {p}")
    keys = {}
    for pos, seq in seq_at.items():
        keys.setdefault(sent[seq][0], set()).add(pos[0])
    check(all(len(p) == 1 for p in keys.values()), "a key spread over partitions")
    # Every send's base offset points at a record of that send.
    for s in report["sends"]:
        seq = seq_at.get((s["partition"], s["baseOffset"]))
        check(seq is not None and s["first"] <= seq <= s["last"],
              f"send {s} base offset holds seq {seq}")


if __name__ == "__main__":
    harness.main(test)
