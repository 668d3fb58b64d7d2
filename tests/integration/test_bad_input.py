"""Bad input on raw sockets, with hand-built frames: garbage, an oversized frame, an unknown
API key, unsupported versions, a batch with a wrong CRC, an invalid topic name, a missing
partition. Each gets an error code or a closed connection, and afterwards the node still
serves requests and the data written before is intact."""

import random
import struct

import harness
import kafka_wire as kw
from harness import check, check_equal

TOPIC = "bad-input-topic"
MAX_REQUEST = 1048576
CORRUPT_MESSAGE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION = 2, 3, 17
UNSUPPORTED_VERSION = 35
GOOD = [(b"k%d" % i, b"value-%d" % i, [(b"h", b"%d" % i)]) for i in range(5)]


def connect(node):
    return kw.Connection("127.0.0.1", node.port)


def supported_versions(node):
    conn = connect(node)
    try:
        response = conn.request("ApiVersions", 0, {})
    finally:
        conn.close()
    check_equal(response["ErrorCode"], 0, "ApiVersions v0 error")
    return {a["ApiKey"]: (a["MinVersion"], a["MaxVersion"]) for a in response["ApiKeys"]}


def assert_healthy(node, what):
    """The node still answers and the records written at the start are intact."""
    check(node.alive(), f"node died after {what}")
    conn = connect(node)
    try:
        part = kw.fetch(conn, TOPIC, 0, 0)
        check_equal(part["ErrorCode"], 0, f"fetch error after {what}")
        got = [(k, v, h) for _, k, v, h in kw.read_batches(part["Records"] or b"")]
        check_equal(got[:len(GOOD)], GOOD, f"records after {what}")
    finally:
        conn.close()


def send_and_expect_close(node, data, what):
    conn = connect(node)
    try:
        conn.send_raw(data)
        check(conn.is_closed_by_peer(), f"connection stayed open after {what}")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed while we were still sending: also a rejection
    finally:
        conn.close()
    assert_healthy(node, what)


def garbage(node):
    rng = random.Random(5)
    for size in (1, 7, 64, 4096):
        junk = bytes(rng.randrange(256) for _ in range(size))
        conn = connect(node)
        try:
            conn.send_raw(struct.pack(">i", size) + junk)
            # Either an error response or a close; never a hang or a crash.
            closed = conn.is_closed_by_peer(5)
            check(closed or node.alive(), "node died on garbage")
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.close()
    assert_healthy(node, "garbage frames")
    send_and_expect_close(node, struct.pack(">i", -5), "a negative frame size")


def oversized(node):
    # Only the size prefix and a little data: the node must refuse by the size alone.
    send_and_expect_close(node, struct.pack(">i", MAX_REQUEST + 1) + b"\0" * 1024,
                          "an oversized frame")


def unknown_api_and_versions(node, versions):
    frame = struct.pack(">hhih", 32000, 0, 7, 4) + b"test"
    send_and_expect_close(node, struct.pack(">i", len(frame)) + frame, "an unknown api key")

    # ApiVersions with a version from the future: UNSUPPORTED_VERSION in a v0 response
    # that still lists the supported ranges.
    conn = connect(node)
    try:
        frame = struct.pack(">hhih", kw.api_key("ApiVersions"), 99, 9, 4) + b"test"
        conn.send_raw(struct.pack(">i", len(frame)) + frame)
        cid, response = kw.decode_response("ApiVersions", 0, conn.recv_frame())
        check_equal((cid, response["ErrorCode"]), (9, UNSUPPORTED_VERSION), "ApiVersions v99")
        check(len(response["ApiKeys"]) > 0, "no ranges listed with UNSUPPORTED_VERSION")
    finally:
        conn.close()

    # Metadata one past the supported maximum: rejected by closing the connection.
    top = versions[kw.api_key("Metadata")][1]
    frame = struct.pack(">hhih", kw.api_key("Metadata"), top + 1, 11, 4) + b"test"
    send_and_expect_close(node, struct.pack(">i", len(frame)) + frame, "Metadata v(max+1)")


def bad_produce(node):
    conn = connect(node)
    try:
        batch = kw.record_batch([(b"x", b"corrupt", [])], 1_700_000_000_000, corrupt_crc=True)
        part = kw.produce(conn, TOPIC, 0, batch)
        check_equal(part["ErrorCode"], CORRUPT_MESSAGE, "produce with a wrong CRC")
        truncated = kw.record_batch([(b"x", b"short", [])], 1_700_000_000_000)[:-3]
        part = kw.produce(conn, TOPIC, 0, truncated)
        check(part["ErrorCode"] != 0, "produce of a truncated batch succeeded")
        part = kw.produce(conn, TOPIC, 7, kw.record_batch(GOOD, 1_700_000_000_000))
        check_equal(part["ErrorCode"], UNKNOWN_TOPIC_OR_PARTITION, "produce to partition 7")
        part = kw.produce(conn, "no-such-topic", 0, kw.record_batch(GOOD, 1_700_000_000_000))
        check_equal(part["ErrorCode"], UNKNOWN_TOPIC_OR_PARTITION, "produce to a missing topic")
        part = kw.fetch(conn, TOPIC, 0, 0)
        check_equal(part["HighWatermark"], len(GOOD), "high watermark after rejected produces")
    finally:
        conn.close()
    assert_healthy(node, "bad produce requests")


def invalid_topic_names(node):
    conn = connect(node)
    try:
        for name in ("bad/name", "..", "x" * 250, "spaces are bad"):
            response = conn.request("CreateTopics", 2, {
                "Topics": [{"Name": name, "NumPartitions": 1, "ReplicationFactor": 1}],
                "timeoutMs": 5000, "validateOnly": False})
            check_equal(response["Topics"][0]["ErrorCode"], INVALID_TOPIC_EXCEPTION,
                        f"CreateTopics {name[:20]!r}")
        response = conn.request("Metadata", 4, {"Topics": [{"Name": "bad/name"}],
                                                "AllowAutoTopicCreation": True})
        check_equal(response["Topics"][0]["ErrorCode"], INVALID_TOPIC_EXCEPTION,
                    "Metadata auto-create of an invalid name")
    finally:
        conn.close()
    assert_healthy(node, "invalid topic names")


def test(ctx):
    node = ctx.node({"socket.request.max.bytes": str(MAX_REQUEST)})
    versions = supported_versions(node)
    conn = connect(node)
    response = conn.request("CreateTopics", 2, {
        "Topics": [{"Name": TOPIC, "NumPartitions": 1, "ReplicationFactor": 1}],
        "timeoutMs": 5000, "validateOnly": False})
    check_equal(response["Topics"][0]["ErrorCode"], 0, "CreateTopics")
    part = kw.produce(conn, TOPIC, 0, kw.record_batch(GOOD, 1_700_000_000_000))
    check_equal((part["ErrorCode"], part["BaseOffset"]), (0, 0), "first produce")
    conn.close()
    assert_healthy(node, "setup")

    garbage(node)
    oversized(node)
    unknown_api_and_versions(node, versions)
    bad_produce(node)
    invalid_topic_names(node)
    # Many bad connections at once must not exhaust or wedge the node either.
    for _ in range(50):
        c = connect(node)
        c.send_raw(b"\x00\x00\x00\x10garbage")
        c.close()
    assert_healthy(node, "50 abandoned connections")


if __name__ == "__main__":
    harness.main(test)
