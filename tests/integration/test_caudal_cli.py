"""The `caudal` CLI against a real node: topic create/list/describe/alter-config/delete,
produce with key separator and headers, consume with formats, and exit codes."""

import json
import subprocess

import harness
from harness import check, check_equal

TOPIC = "cli-topic"


def table(stdout):
    """Rows of a whitespace-aligned table (header row included)."""
    return [line.split() for line in stdout.decode().splitlines() if line.strip()]


def topic_commands(ctx, node):
    out = ctx.cli_ok(node, "topic", "create", TOPIC, "-p", "3", "-c", "retention.ms=7200000")
    check_equal(table(out.stdout), [["TOPIC", "STATUS"], [TOPIC, "OK"]], "create output")
    ctx.cli_ok(node, "topic", "create", "cli-other")
    dup = ctx.cli(node, "topic", "create", TOPIC)
    check_equal(dup.returncode, 1, "exit code of duplicate create")
    check(b"TOPIC_ALREADY_EXISTS" in dup.stderr, f"duplicate create stderr: {dup.stderr}")

    rows = table(ctx.cli_ok(node, "topic", "list").stdout)
    check_equal(rows[0], ["NAME", "PARTITIONS", "REPLICAS"], "list header")
    check([TOPIC, "3", "1"] in rows and ["cli-other", "1", "1"] in rows, f"list rows {rows}")

    out = ctx.cli_ok(node, "topic", "describe", TOPIC, "--configs").stdout.decode()
    check(f"NAME        {TOPIC}" in out and "PARTITIONS  3" in out, f"describe summary:\n{out}")
    rows = [line.split() for line in out.splitlines()]
    for p in range(3):
        check([str(p), "1", "1", "1", "-"] in rows, f"partition {p} row missing:\n{out}")
    check(["retention.ms", "7200000", "DYNAMIC_TOPIC_CONFIG"] in rows, f"configs:\n{out}")

    # alter-config keeps other dynamic configs, sets, then deletes.
    ctx.cli_ok(node, "topic", "alter-config", TOPIC, "--set", "segment.bytes=1048576")
    rows = table(ctx.cli_ok(node, "topic", "describe", TOPIC, "-c").stdout)
    check(["segment.bytes", "1048576", "DYNAMIC_TOPIC_CONFIG"] in rows, f"after set: {rows}")
    check(["retention.ms", "7200000", "DYNAMIC_TOPIC_CONFIG"] in rows, f"set dropped retention")
    ctx.cli_ok(node, "topic", "alter-config", TOPIC, "--delete", "retention.ms")
    rows = table(ctx.cli_ok(node, "topic", "describe", TOPIC, "-c").stdout)
    check(not any(r[:1] == ["retention.ms"] and "DYNAMIC_TOPIC_CONFIG" in r for r in rows),
          f"retention.ms still dynamic after --delete: {rows}")
    check(["segment.bytes", "1048576", "DYNAMIC_TOPIC_CONFIG"] in rows, "delete dropped segment")

    ctx.cli_ok(node, "topic", "add-partitions", "cli-other", "-n", "3")
    check(["cli-other", "3", "1"] in table(ctx.cli_ok(node, "topic", "list").stdout),
          "cli-other not grown to 3 partitions")
    shrink = ctx.cli(node, "topic", "add-partitions", "cli-other", "-n", "2")
    check_equal(shrink.returncode, 1, "exit code of shrinking a topic")
    check(b"INVALID_PARTITIONS" in shrink.stderr, f"shrink stderr: {shrink.stderr}")
    ctx.cli_ok(node, "topic", "delete", "cli-other")
    names = [r[0] for r in table(ctx.cli_ok(node, "topic", "list").stdout)[1:]]
    check("cli-other" not in names, f"deleted topic still listed: {names}")


def produce_consume(ctx, node):
    lines = [f"key{i}|val\u00fce {i} | with | bars" for i in range(30)] + ["no-key-line"]
    stdin = "".join(line + "\n" for line in lines).encode()
    out = ctx.cli_ok(node, "produce", TOPIC, "-p", "1", "-k", "|", "-H", "app=cli",
                     "-H", "trace=x=y", "--verbose", stdin=stdin)
    offsets = [line.split() for line in out.stdout.decode().splitlines()]
    check_equal(offsets, [[f"topic={TOPIC}", "partition=1", f"offset={i}"] for i in range(31)],
                "verbose produce output")

    out = ctx.cli_ok(node, "consume", TOPIC, "-p", "1", "--from-beginning", "-n", "31",
                     "-f", "%o:%k:%v:%h", "--timeout", "10000").stdout.decode()
    expected = [f"{i}:key{i}:val\u00fce {i} | with | bars:app=cli,trace=x=y" for i in range(30)]
    expected.append("30::no-key-line:app=cli,trace=x=y")
    check_equal(out.splitlines(), expected, "formatted consume")

    out = ctx.cli_ok(node, "consume", TOPIC, "-p", "1", "-o", "-2", "-n", "2", "-f", "json",
                     "--timeout", "10000").stdout
    recs = [json.loads(line) for line in out.decode().splitlines()]
    check_equal([(r["offset"], r["key"], r["value"]) for r in recs],
                [(29, "key29", "val\u00fce 29 | with | bars"), (30, None, "no-key-line")],
                "json consume of the last two")
    check_equal(recs[0]["headers"], [{"key": "app", "value": "cli"},
                                     {"key": "trace", "value": "x=y"}], "json headers")
    check(recs[0]["topic"] == TOPIC and recs[0]["partition"] == 1, f"json fields {recs[0]}")

    out = ctx.cli_ok(node, "consume", TOPIC, "-p", "1", "-o", "28", "-n", "1", "-f", "%o %v",
                     "--timeout", "10000").stdout.decode()
    check_equal(out, "28 val\u00fce 28 | with | bars\n", "consume from absolute offset")

    # By timestamp (ListOffsets with a timestamp): from 0 is the first record; from the
    # last record's timestamp + 1 there is nothing.
    out = ctx.cli_ok(node, "consume", TOPIC, "-p", "1", "--from-timestamp", "0", "-n", "1",
                     "-f", "%o", "--timeout", "10000").stdout
    check_equal(out, b"0\n", "consume from timestamp 0")
    last_ts = int(ctx.cli_ok(node, "consume", TOPIC, "-p", "1", "-o", "-1", "-n", "1", "-f", "%T",
                             "--timeout", "10000").stdout)
    out = ctx.cli_ok(node, "consume", TOPIC, "-p", "1", "--from-timestamp", str(last_ts + 1),
                     "--timeout", "1500").stdout
    check_equal(out, b"", "consume from a timestamp after the last record")

    # Idle timeout with nothing new: exit 0 and no output when no count was asked for.
    idle = ctx.cli(node, "consume", TOPIC, "-p", "1", "--timeout", "1500")
    check_equal((idle.returncode, idle.stdout), (0, b""), "idle consume from end")


def compression(ctx, node):
    ctx.cli_ok(node, "topic", "create", "cli-compressed")
    expected = []
    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        lines = [f"{codec}-{i}-" + "abc" * i for i in range(20)]
        ctx.cli_ok(node, "produce", "cli-compressed", "-z", codec, "--acks", "1",
                   stdin="".join(line + "\n" for line in lines).encode())
        expected += lines
    out = ctx.cli_ok(node, "consume", "cli-compressed", "--from-beginning", "-n", "100",
                     "-f", "%o %v", "--timeout", "10000").stdout.decode()
    check_equal(out.splitlines(), [f"{i} {v}" for i, v in enumerate(expected)],
                "records produced with every codec")


def error_codes(ctx, node):
    missing = ctx.cli(node, "topic", "describe", "no-such-topic")
    check_equal(missing.returncode, 1, "describe of a missing topic")
    check(b"UNKNOWN_TOPIC_OR_PARTITION" in missing.stderr and b"no-such-topic" in missing.stderr,
          f"missing topic message: {missing.stderr}")
    bad_part = ctx.cli(node, "consume", TOPIC, "-p", "9", "--timeout", "1000")
    check_equal(bad_part.returncode, 1, "consume of a missing partition")
    usage = ctx.cli(node, "topic", "create")
    check_equal(usage.returncode, 2, "usage error exit code")
    usage = ctx.cli(node, "produce", TOPIC, "--acks", "7")
    check_equal(usage.returncode, 2, "invalid --acks exit code")
    usage = ctx.cli(node, "topic", "alter-config", TOPIC)
    check_equal(usage.returncode, 2, "alter-config without changes")
    check_equal(ctx.cli(node, "--help").returncode, 0, "--help exit code")
    lost = ctx.cli(node, "--timeout-ms", "3000", "produce", TOPIC, "-p", "9", stdin=b"x\n")
    check_equal(lost.returncode, 1, "produce to a missing partition")
    check(b"not delivered" in lost.stderr, f"produce failure message: {lost.stderr}")
    gone = ctx.cli(node, "topic", "delete", "no-such-topic")
    check_equal(gone.returncode, 1, "delete of a missing topic")


def unreachable(ctx):
    port = harness.free_port()
    result = subprocess.run([ctx.caudal, "-X", f"127.0.0.1:{port}", "--timeout-ms", "1500",
                                     "topic", "list"], capture_output=True, timeout=30)
    check_equal(result.returncode, 1, "exit code with no broker")
    check(result.stderr.startswith(b"caudal: topic list:"), f"stderr: {result.stderr}")


def test(ctx):
    node = ctx.node()
    topic_commands(ctx, node)
    produce_consume(ctx, node)
    compression(ctx, node)
    error_codes(ctx, node)
    unreachable(ctx)


if __name__ == "__main__":
    harness.main(test)
