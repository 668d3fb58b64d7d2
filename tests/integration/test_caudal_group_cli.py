"""`caudal group` against a real node: list, describe (committed offsets and lag),
reset-offsets (dry run, --execute, --shift-by, refused while members are active), delete."""

import confluent_kafka

import harness
from harness import check, check_equal

TOPIC = "grp-cli"
GROUP = "g1"


def table(stdout):
    """Rows of a whitespace-aligned table (header row included)."""
    return [line.split() for line in stdout.decode().splitlines() if line.strip()]


def lag_row(ctx, node):
    """The describe output's row for partition 0 of TOPIC: [topic, p, committed, end, lag]."""
    out = ctx.cli_ok(node, "group", "describe", GROUP)
    rows = [r for r in table(out.stdout) if r[:2] == [TOPIC, "0"]]
    check_equal(len(rows), 1, f"offset rows in describe:\n{out.stdout.decode()}")
    return rows[0]


def new_consumer(node):
    return confluent_kafka.Consumer({
        "bootstrap.servers": node.bootstrap, "group.id": GROUP, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000})


def consume_four(node):
    consumer = new_consumer(node)
    consumer.subscribe([TOPIC])
    got = []
    deadline = 200
    while len(got) < 4 and deadline > 0:
        deadline -= 1
        msg = consumer.poll(0.2)
        if msg is None or msg.error():
            continue
        got.append(msg)
    check_equal([m.offset() for m in got], [0, 1, 2, 3], "offsets consumed by the group")
    consumer.commit(message=got[-1], asynchronous=False)
    consumer.close()


def refused_while_active(ctx, node):
    consumer = new_consumer(node)
    consumer.subscribe([TOPIC])
    harness.wait_until(lambda: consumer.poll(0.2) is not None or bool(consumer.assignment()),
                       30, "consumer joined the group")
    result = ctx.cli(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "--to-earliest",
                     "--execute")
    consumer.close()
    check_equal(result.returncode, 1, "reset-offsets with an active member")
    check(b"stop its consumers" in result.stderr, f"refusal message: {result.stderr}")


def test(ctx):
    node = ctx.node()
    ctx.cli_ok(node, "topic", "create", TOPIC)
    ctx.cli_ok(node, "produce", TOPIC, stdin="".join(f"v{i}\n" for i in range(10)).encode())
    consume_four(node)

    rows = table(ctx.cli_ok(node, "group", "list").stdout)
    check_equal(rows[0], ["GROUP", "STATE"], "list header")
    check([GROUP, "Empty"] in rows, f"group list: {rows}")

    out = ctx.cli_ok(node, "group", "describe", GROUP).stdout.decode()
    check("STATE    Empty" in out and "MEMBERS  0" in out, f"describe summary:\n{out}")
    check_equal(lag_row(ctx, node), [TOPIC, "0", "4", "10", "6"], "committed/end/lag")

    dry = ctx.cli_ok(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "--to-earliest")
    check([TOPIC, "0", "4", "0"] in table(dry.stdout), f"dry-run plan: {dry.stdout}")
    check(b"dry run" in dry.stdout, "dry run not announced")
    check_equal(lag_row(ctx, node)[2], "4", "committed offset after a dry run")

    ctx.cli_ok(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "--to-earliest",
               "--execute")
    check_equal(lag_row(ctx, node), [TOPIC, "0", "0", "10", "10"], "after --to-earliest")
    ctx.cli_ok(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "--shift-by", "3",
               "--execute")
    check_equal(lag_row(ctx, node)[2], "3", "committed after --shift-by 3")
    ctx.cli_ok(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "-p", "0", "--to-offset",
               "7", "--execute")
    check_equal(lag_row(ctx, node)[2], "7", "committed after --to-offset 7")
    ctx.cli_ok(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "--to-datetime",
               "2000-01-01T00:00:00Z", "--execute")
    check_equal(lag_row(ctx, node)[2], "0", "committed after --to-datetime in the past")

    usage = ctx.cli(node, "group", "reset-offsets", GROUP, "--topic", TOPIC)
    check_equal(usage.returncode, 2, "reset-offsets without a target")
    usage = ctx.cli(node, "group", "reset-offsets", GROUP, "--topic", TOPIC, "--to-datetime", "x")
    check_equal(usage.returncode, 2, "reset-offsets with a bad datetime")

    refused_while_active(ctx, node)

    # The consumer's LeaveGroup makes the group Empty again; then it can be deleted.
    harness.wait_until(lambda: [GROUP, "Empty"] in table(ctx.cli_ok(node, "group", "list").stdout),
                       30, "group empty after the consumer left")
    out = ctx.cli_ok(node, "group", "delete", GROUP)
    check_equal(table(out.stdout), [["GROUP", "STATUS"], [GROUP, "OK"]], "delete output")
    names = [r[0] for r in table(ctx.cli_ok(node, "group", "list").stdout)[1:]]
    check(GROUP not in names, f"deleted group still listed: {names}")

    missing = ctx.cli(node, "group", "describe", "no-such-group")
    check_equal(missing.returncode, 1, "describe of an unknown group")
    check(b"no-such-group" in missing.stderr, f"unknown group message: {missing.stderr}")


if __name__ == "__main__":
    harness.main(test)
