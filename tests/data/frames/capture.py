#!/usr/bin/python3
"""Capture the request frames real Kafka clients send, for protocol tests.

No broker is needed: this runs a throwaway listener on 127.0.0.1 that answers
ApiVersions (with the ranges of every broker API in the Kafka JSON definitions)
and Metadata (one broker -- itself -- and one partition per requested topic,
led by it), so clients go on to send Produce/Fetch. Every other request is
recorded and left unanswered; the client is stopped after a few seconds.

Each first frame per (client, api key, version) is written here as
<client>_<api>_v<version>.bin -- the exact bytes on the wire, including the
4-byte size prefix -- and listed in frames.tsv (file, api key, api version,
correlation id, client id) which tests/protocol/test_client_frames.cpp reads.

Run from anywhere (needs kcat, python3-kafka and python3-confluent-kafka):
    /usr/bin/python3 tests/data/frames/capture.py [--messages DIR]
DIR defaults to ../shared/kafka-protocol/messages next to the repository.
"""
import argparse
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TOPIC = "caudal-capture"
GROUP = "capture-group"


# ---- the API table, read from the Kafka JSON definitions --------------------
def strip_comments(text):
    out, in_str, i = [], False, 0
    while i < len(text):
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def load_apis(messages_dir):
    """api key -> (name, min, max, first flexible version) for broker APIs."""
    apis = {}
    for f in sorted(os.listdir(messages_dir)):
        if not f.endswith("Request.json"):
            continue
        with open(os.path.join(messages_dir, f)) as fh:
            j = json.loads(strip_comments(fh.read()))
        if "broker" not in j.get("listeners", []):
            continue
        lo, hi = (int(x) for x in j["validVersions"].split("-")) if "-" in j["validVersions"] \
            else (int(j["validVersions"]),) * 2
        flex = j["flexibleVersions"]
        first_flex = 32767 if flex == "none" else int(flex.rstrip("+"))
        apis[j["apiKey"]] = (j["name"][: -len("Request")], lo, hi, first_flex)
    return apis


# ---- minimal Kafka encoding --------------------------------------------------
def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class Enc:
    def __init__(self, flex):
        self.flex, self.buf = flex, bytearray()

    def i8(self, v): self.buf += struct.pack(">b", v); return self
    def i16(self, v): self.buf += struct.pack(">h", v); return self
    def i32(self, v): self.buf += struct.pack(">i", v); return self
    def boolean(self, v): return self.i8(1 if v else 0)

    def string(self, s):
        if s is None:
            self.buf += uvarint(0) if self.flex else struct.pack(">h", -1)
        else:
            b = s.encode()
            self.buf += uvarint(len(b) + 1) if self.flex else struct.pack(">h", len(b))
            self.buf += b
        return self

    def array_len(self, n):
        self.buf += uvarint(n + 1) if self.flex else struct.pack(">i", n)
        return self

    def tags(self):
        if self.flex:
            self.buf += uvarint(0)
        return self


def read_string(buf, pos, flex):
    if flex:
        n, shift, length = 0, 0, 0
        while True:
            b = buf[pos]
            pos += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        length -= 1
    else:
        (length,) = struct.unpack_from(">h", buf, pos)
        pos += 2
    if length < 0:
        return None, pos
    return buf[pos:pos + length].decode(), pos + length


def header_version(apis, key, version):
    if key == 7 and version == 0:
        return 0
    if key not in apis:
        return 1
    return 2 if version >= apis[key][3] else 1


def parse_header(apis, payload):
    key, version, corr = struct.unpack_from(">hhi", payload, 0)
    pos, client_id = 8, None
    if header_version(apis, key, version) >= 1:
        (n,) = struct.unpack_from(">h", payload, pos)
        pos += 2
        if n >= 0:
            client_id = payload[pos:pos + n].decode()
            pos += n
    if header_version(apis, key, version) >= 2:
        pos += 1  # clients send no header tags
    return key, version, corr, client_id, pos


def metadata_topics(payload, pos, version, flex):
    """Topic names asked for in a MetadataRequest (None = all)."""
    if flex:
        n, shift, count = 0, 0, 0
        while True:
            b = payload[pos]
            pos += 1
            count |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        count -= 1
    else:
        (count,) = struct.unpack_from(">i", payload, pos)
        pos += 4
    if count < 0 or (count == 0 and version == 0):
        return None
    names = []
    for _ in range(count):
        if version >= 10:
            pos += 16  # topic id
        name, pos = read_string(payload, pos, flex)
        if flex:
            pos += 1
        names.append(name)
    return names


def api_versions_response(apis, version):
    e = Enc(flex=version >= 3)
    e.i16(0).array_len(len(apis))
    for key in sorted(apis):
        _, lo, hi, _ = apis[key]
        e.i16(key).i16(lo).i16(hi).tags()
    if version >= 1:
        e.i32(0)
    return bytes(e.tags().buf)


def metadata_response(version, port, topics):
    e = Enc(flex=version >= 9)
    if version >= 3:
        e.i32(0)
    e.array_len(1).i32(0).string("127.0.0.1").i32(port)
    if version >= 1:
        e.string(None)
    e.tags()
    if version >= 2:
        e.string("capture-cluster")
    if version >= 1:
        e.i32(0)
    e.array_len(len(topics))
    for t in topics:
        e.i16(0).string(t)
        if version >= 10:
            e.buf += bytes(range(1, 17))  # a fixed topic id
        if version >= 1:
            e.boolean(False)
        e.array_len(1).i16(0).i32(0).i32(0)
        if version >= 7:
            e.i32(0)
        for _ in range(3 if version >= 5 else 2):
            e.array_len(1).i32(0)
        if version >= 5:
            pass
        e.tags()
        if version >= 8:
            e.i32(-2147483648)
        e.tags()
    if 8 <= version <= 10:
        e.i32(-2147483648)
    return bytes(e.tags().buf)


def find_coordinator_response(version, port):
    e = Enc(flex=version >= 3)
    if version >= 1:
        e.i32(0)
    if version >= 4:
        e.array_len(1).string(GROUP).i32(0).string("127.0.0.1").i32(port).i16(0).string(None)
        e.tags()
        return bytes(e.tags().buf)
    e.i16(0)
    if version >= 1:
        e.string(None)
    e.i32(0).string("127.0.0.1").i32(port)
    return bytes(e.tags().buf)


# ---- the listener ------------------------------------------------------------
class Capture:
    def __init__(self, apis, client):
        self.apis, self.client, self.seen, self.lock = apis, client, {}, threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 4:
                (size,) = struct.unpack_from(">i", buf, 0)
                if len(buf) < 4 + size:
                    break
                frame, buf = buf[: 4 + size], buf[4 + size:]
                self.handle(conn, frame)

    def handle(self, conn, frame):
        payload = frame[4:]
        key, version, corr, client_id, pos = parse_header(self.apis, payload)
        with self.lock:
            self.seen.setdefault((key, version), (frame, corr, client_id))
        body = None
        if key == 18:
            body = api_versions_response(self.apis, version if version <= 3 else 0)
            hdr = struct.pack(">i", corr)  # ApiVersions: response header v0
        elif key == 3:
            flex = version >= 9
            topics = metadata_topics(payload, pos, version, flex) or [TOPIC]
            body = metadata_response(version, self.port, topics)
            hdr = struct.pack(">i", corr) + (b"\x00" if flex else b"")
        elif key == 10:
            body = find_coordinator_response(version, self.port)
            hdr = struct.pack(">i", corr) + (b"\x00" if version >= 3 else b"")
        if body is not None:
            conn.sendall(struct.pack(">i", len(hdr) + len(body)) + hdr + body)

    def apis_seen(self):
        with self.lock:
            return set(k for k, _ in self.seen)


def run_client(apis, name, argv_of_port, want, timeout=8.0, stdin=None):
    cap = Capture(apis, name)
    proc = subprocess.Popen(argv_of_port(cap.port), stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin is not None:
        proc.stdin.write(stdin)
    proc.stdin.close()
    deadline = time.time() + timeout
    while time.time() < deadline and not want <= cap.apis_seen() and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.3)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    cap.sock.close()
    return cap


KAFKA_PYTHON = """
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='127.0.0.1:%s', client_id='kafka-python-capture',
                  acks=1, linger_ms=0, max_block_ms=5000)
p.send('%s', key=b'k', value=b'hello from kafka-python')
p.flush(timeout=5)
"""

KAFKA_PYTHON_GROUP = """
from kafka import KafkaConsumer
c = KafkaConsumer('%s', bootstrap_servers='127.0.0.1:%s', group_id='%s',
                  client_id='kafka-python-capture', consumer_timeout_ms=5000)
for _ in c:
    break
"""

CONFLUENT = """
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': '127.0.0.1:%s', 'client.id': 'confluent-kafka-capture',
              'linger.ms': 0})
p.produce('%s', key=b'k', value=b'hello from confluent-kafka')
p.flush(5)
"""

# kafkajs comes from the integration tests' node_modules (npm ci there first).
KAFKAJS = """
const { Kafka, logLevel } = require('kafkajs');
const kafka = new Kafka({ clientId: 'kafkajs-capture', brokers: ['127.0.0.1:%s'],
                          logLevel: logLevel.NOTHING, retry: { retries: 0 } });
const p = kafka.producer();
p.connect().then(() => p.send({ topic: '%s', messages: [{ key: 'k', value: 'hello from kafkajs' }] }))
  .catch(() => {}).finally(() => process.exit(0));
"""

SCENARIOS = [
    ("kcat", lambda port: ["kcat", "-b", "127.0.0.1:%d" % port, "-L", "-m", "5"], {18, 3}, None),
    ("kcat", lambda port: ["kcat", "-b", "127.0.0.1:%d" % port, "-P", "-t", TOPIC, "-m", "5"],
     {0}, b"hello from kcat\n"),
    ("kcat", lambda port: ["kcat", "-b", "127.0.0.1:%d" % port, "-C", "-t", TOPIC, "-p", "0",
                           "-o", "0", "-e", "-m", "5"], {1}, None),
    ("kcat", lambda port: ["kcat", "-b", "127.0.0.1:%d" % port, "-G", GROUP, TOPIC, "-m", "5"],
     {10, 11}, None),
    ("kafka_python", lambda port: ["/usr/bin/python3", "-c", KAFKA_PYTHON % (port, TOPIC)],
     {0}, None),
    ("kafka_python", lambda port: ["/usr/bin/python3", "-c",
                                   KAFKA_PYTHON_GROUP % (TOPIC, port, GROUP)], {10, 11}, None),
    ("kafkajs", lambda port: ["node", "-e", KAFKAJS % (port, TOPIC)], {0}, None),
    ("confluent_kafka", lambda port: ["/usr/bin/python3", "-c", CONFLUENT % (port, TOPIC)],
     {0}, None),
]


def snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", default=os.path.join(REPO, "..", "shared", "kafka-protocol",
                                                       "messages"))
    args = ap.parse_args()
    apis = load_apis(args.messages)
    os.environ["NODE_PATH"] = os.path.join(REPO, "tests", "integration", "node_modules")
    rows = {}
    for client, argv, want, stdin in SCENARIOS:
        cap = run_client(apis, client, argv, want, stdin=stdin)
        for (key, version), (frame, corr, client_id) in sorted(cap.seen.items()):
            fname = "%s_%s_v%d.bin" % (client, snake(apis[key][0]), version)
            if fname in rows:
                continue
            with open(os.path.join(HERE, fname), "wb") as fh:
                fh.write(frame)
            rows[fname] = (key, version, corr, client_id)
        missing = want - cap.apis_seen()
        if missing:
            print("warning: %s sent no %s" % (client, sorted(missing)), file=sys.stderr)
    with open(os.path.join(HERE, "frames.tsv"), "w") as fh:
        fh.write("# file\tapi_key\tapi_version\tcorrelation_id\tclient_id (written by capture.py)\n")
        for fname in sorted(rows):
            key, version, corr, client_id = rows[fname]
            fh.write("%s\t%d\t%d\t%d\t%s\n" % (fname, key, version, corr,
                                               "-" if client_id is None else client_id))
    for fname in sorted(rows):
        print(fname)


if __name__ == "__main__":
    main()
