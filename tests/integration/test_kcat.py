"""kcat (librdkafka 2.0.2): metadata listing, keyed produce with headers, byte-exact consume."""

import json

import harness
from harness import check, check_equal

FORMAT = "%o %K %S %h\n%k%s\n"


def parse_consumed(out):
    """Parses output of FORMAT into [(offset, key, value, headers)]."""
    records, pos = [], 0
    while pos < len(out):
        eol = out.index(b"\n", pos)
        fields = out[pos:eol].split(b" ", 3)
        offset, klen, vlen = int(fields[0]), int(fields[1]), int(fields[2])
        headers = fields[3] if len(fields) > 3 else b""
        pos = eol + 1
        key = out[pos:pos + max(klen, 0)] if klen >= 0 else None
        pos += max(klen, 0)
        value = out[pos:pos + max(vlen, 0)] if vlen >= 0 else None
        pos += max(vlen, 0)
        check_equal(out[pos:pos + 1], b"\n", f"record terminator after offset {offset}")
        pos += 1
        records.append((offset, key, value, headers))
    return records


def test(ctx):
    node = ctx.node()
    md = json.loads(ctx.kcat(node, "-L", "-J").stdout)
    check_equal([(b["id"], b["name"]) for b in md["brokers"]], [(1, node.bootstrap)], "brokers")

    topic = "kcat-topic"
    ctx.cli_ok(node, "topic", "create", topic, "-p", "2")
    md = json.loads(ctx.kcat(node, "-L", "-J", "-t", topic).stdout)
    check_equal(len(md["topics"]), 1, "topics in -L -t")
    parts = sorted(md["topics"][0]["partitions"], key=lambda p: p["partition"])
    check_equal([(p["partition"], p["leader"]) for p in parts], [(0, 1), (1, 1)], "partitions")

    # Keyed text lines (UTF-8) with headers through stdin.
    lines = [(b"key-%d" % i, f"v\u00e4lue-{i} \u2713 \u65e5\u672c\u8a9e".encode()) for i in range(20)]
    stdin = b"".join(k + b"\t" + v + b"\n" for k, v in lines)
    ctx.kcat(node, "-P", "-t", topic, "-p", "0", "-K", "\t", "-H", "h1=one", "-H", "h2=zwei",
             stdin=stdin)
    # Whole files as single messages: binary bytes (NUL, newlines) and multi-line UTF-8.
    binary = bytes(range(256)) * 4 + b"\n\x00end"
    utf8 = "emoji \U0001F600 and CJK \u6f22\u5b57\nsecond line\n".encode()
    files = [ctx.file("binary.bin", binary), ctx.file("utf8.txt", utf8)]
    ctx.kcat(node, "-P", "-t", topic, "-p", "0", "-k", "filekey", "-H", "src=file", *files)

    out = ctx.kcat(node, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f",
                   FORMAT).stdout
    got = parse_consumed(out)
    expected = [(i, k, v, b"h1=one,h2=zwei") for i, (k, v) in enumerate(lines)]
    expected += [(20, b"filekey", binary, b"src=file"), (21, b"filekey", utf8, b"src=file")]
    check_equal(len(got), len(expected), "record count")
    for g, e in zip(got, expected):
        check_equal(g, e, f"record at offset {e[0]}")

    # Partition 1 got nothing; consuming it ends immediately with no records.
    empty = ctx.kcat(node, "-C", "-t", topic, "-p", "1", "-o", "beginning", "-e").stdout
    check_equal(empty, b"", "partition 1 content")

    # Reading from an offset in the middle.
    tail = parse_consumed(ctx.kcat(node, "-C", "-t", topic, "-p", "0", "-o", "18", "-e", "-f",
                                   FORMAT).stdout)
    check_equal([r[0] for r in tail], [18, 19, 20, 21], "offsets from -o 18")


if __name__ == "__main__":
    harness.main(test)
