"""The CAF io-broker listener (listener.impl=caf): the whole kcat test through it, then
pipelined requests answered in order, a request split into tiny writes and an oversized
frame closing the connection."""

import socket
import struct

import harness
import test_kcat
from harness import check, check_equal


class CafContext:
    """The harness Context, but every node it starts uses listener.impl=caf."""

    def __init__(self, ctx):
        self._ctx = ctx

    def node(self, overrides=None, start=True):
        return self._ctx.node({"listener.impl": "caf", **(overrides or {})}, start)

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def api_versions_request(correlation_id):
    head = struct.pack(">hhih", 18, 0, correlation_id, 4) + b"test"
    return struct.pack(">i", len(head)) + head


def read_frame(sock):
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            check(chunk, "connection closed while reading a response")
            data += chunk
        return data

    size = struct.unpack(">i", exactly(4))[0]
    return exactly(size)


def check_raw_connection(node):
    with socket.create_connection(("127.0.0.1", node.port), timeout=10) as sock:
        # 64 requests in one write: 64 responses, in request order.
        sock.sendall(b"".join(api_versions_request(i) for i in range(64)))
        ids = [struct.unpack_from(">i", read_frame(sock))[0] for _ in range(64)]
        check_equal(ids, list(range(64)), "correlation ids of pipelined responses")
        # One request dribbled in 3-byte writes (size prefix split too).
        req = api_versions_request(1000)
        for i in range(0, len(req), 3):
            sock.sendall(req[i:i + 3])
        check_equal(struct.unpack_from(">i", read_frame(sock))[0], 1000, "split request")
        # A frame above socket.request.max.bytes: the node closes the connection.
        sock.sendall(struct.pack(">i", 200 * 1024 * 1024))
        check_equal(sock.recv(1), b"", "read after an oversized frame (expected EOF)")


def test(ctx):
    caf_ctx = CafContext(ctx)
    test_kcat.test(caf_ctx)
    node = ctx.nodes[0]
    with open(node.log_path, "rb") as f:
        check(b"(caf listener)" in f.read(), "node log does not say it runs the caf listener")
    check_raw_connection(node)
    check(node.alive(), "node died after the raw-connection checks")


if __name__ == "__main__":
    harness.main(test)
