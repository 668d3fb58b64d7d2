#!/usr/bin/python3
"""Captures the RecordBatches real Kafka clients produce.

A minimal fake broker on 127.0.0.1 answers ApiVersions, Metadata (naming
itself leader of partition 0 of one topic), InitProducerId and Produce, and
records the `records` bytes of every ProduceRequest. Each client scenario
below writes <scenario>.bin (the record set exactly as sent) and appends what
it sent (keys, values, headers, timestamps) to expected.txt, which
tests/protocol/test_record_batch_captured.cpp checks the decoder against.

Run with the system interpreter (it has confluent_kafka and kafka-python):
    /usr/bin/python3 tests/data/batches/capture.py
kcat and node (with kafkajs under tests/integration/node_modules) are used
when present.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TOPIC = "caudal-batches"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
FAKE_PRODUCER_ID = 4242
# api_key -> (min, max) versions the fake broker claims.
# librdkafka only enables lz4 for brokers that also have FindCoordinator (0.10+).
ADVERTISED = {0: (0, 7), 1: (0, 11), 2: (0, 5), 3: (0, 8), 10: (0, 2), 18: (0, 3), 22: (0, 1)}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        if len(out) != n:
            raise ValueError("short read")
        self.pos += n
        return out

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def bytes_(self):
        n = self.i32()
        return None if n < 0 else self.take(n)


class Writer:
    def __init__(self):
        self.out = bytearray()

    def i8(self, v): self.out += struct.pack(">b", v); return self
    def i16(self, v): self.out += struct.pack(">h", v); return self
    def i32(self, v): self.out += struct.pack(">i", v); return self
    def i64(self, v): self.out += struct.pack(">q", v); return self

    def uvarint(self, v):
        while v >= 0x80:
            self.out.append((v & 0x7F) | 0x80)
            v >>= 7
        self.out.append(v)
        return self

    def string(self, s):
        if s is None:
            return self.i16(-1)
        b = s.encode()
        self.i16(len(b))
        self.out += b
        return self


def api_versions_response(version):
    w = Writer().i16(0)
    if version >= 3:  # flexible: compact array, tagged fields
        w.uvarint(len(ADVERTISED) + 1)
        for key, (lo, hi) in sorted(ADVERTISED.items()):
            w.i16(key).i16(lo).i16(hi).uvarint(0)
        return w.i32(0).uvarint(0).out
    w.i32(len(ADVERTISED))
    for key, (lo, hi) in sorted(ADVERTISED.items()):
        w.i16(key).i16(lo).i16(hi)
    if version >= 1:
        w.i32(0)
    return w.out


def metadata_response(version, body, port):
    r = Reader(body)
    n = r.i32()
    topics = [r.string() for _ in range(max(n, 0))] or [TOPIC]
    w = Writer()
    if version >= 3:
        w.i32(0)
    w.i32(1).i32(1).string("127.0.0.1").i32(port)
    if version >= 1:
        w.string(None)  # rack
    if version >= 2:
        w.string("caudal-capture")
    if version >= 1:
        w.i32(1)  # controller
    w.i32(len(topics))
    for name in topics:
        w.i16(0).string(name)
        if version >= 1:
            w.i8(0)  # is_internal
        w.i32(1).i16(0).i32(0).i32(1)  # one partition, index 0, leader 1
        if version >= 7:
            w.i32(0)
        w.i32(1).i32(1).i32(1).i32(1)  # replicas [1], isr [1]
        if version >= 5:
            w.i32(0)
        if version >= 8:
            w.i32(-2147483648)
    if version >= 8:
        w.i32(-2147483648)
    return w.out


def init_producer_id_response(version):
    return Writer().i32(0).i16(0).i64(FAKE_PRODUCER_ID).i16(0).out


class FakeBroker:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.record_sets = []
        self.next_offset = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            while True:
                size = struct.unpack(">i", read_exactly(conn, 4))[0]
                reply = self.handle(read_exactly(conn, size))
                if reply is not None:
                    conn.sendall(struct.pack(">i", len(reply)) + reply)
        except (ConnectionError, ValueError, OSError):
            conn.close()

    def handle(self, frame):
        r = Reader(frame)
        key, version, correlation = r.i16(), r.i16(), r.i32()
        r.string()  # client_id
        body = frame[r.pos:]
        head = struct.pack(">i", correlation)
        if key == 18:
            return head + api_versions_response(version)
        if key == 3:
            return head + metadata_response(version, body, self.port)
        if key == 22:
            return head + init_producer_id_response(version)
        if key == 0:
            reply = self.produce(version, body)
            return None if reply is None else head + reply
        raise ValueError(f"unexpected api key {key}")

    def produce(self, version, body):
        r = Reader(body)
        if version >= 3:
            r.string()  # transactional_id
        acks = r.i16()
        r.i32()  # timeout
        w = Writer()
        topics = r.i32()
        w.i32(topics)
        for _ in range(topics):
            w.string(r.string())
            partitions = r.i32()
            w.i32(partitions)
            for _ in range(partitions):
                index, records = r.i32(), r.bytes_()
                with self.lock:
                    self.record_sets.append(records or b"")
                    base = self.next_offset
                    self.next_offset += 1000
                w.i32(index).i16(0).i64(base)
                if version >= 2:
                    w.i64(-1)
                if version >= 5:
                    w.i64(0)
        if version >= 1:
            w.i32(0)
        return None if acks == 0 else w.out

    def close(self):
        self.sock.close()


def read_exactly(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


# ---- expected.txt -----------------------------------------------------------

def pattern_bytes(n):
    """A long value spanning several codec blocks; expected.txt names it
    `pattern:<n>` instead of spelling it in hex: byte i is (i * 31 + 7) % 251."""
    return bytes((i * 31 + 7) % 251 for i in range(n))


PATTERN_SIZE = 70_000  # > 64 KiB: two lz4 blocks


def hexa(b):
    if b is None:
        return "-"
    if b == pattern_bytes(PATTERN_SIZE):
        return f"pattern:{PATTERN_SIZE}"
    return (b.encode() if isinstance(b, str) else b).hex()


def record_line(key, value, headers=(), ts=None):
    parts = [f"record key={hexa(key)} value={hexa(value)}"]
    if ts is not None:
        parts.append(f"ts={ts}")
    parts += [f"header={hexa(k)}:{hexa(v)}" for k, v in headers]
    return " ".join(parts)


class Capture:
    def __init__(self):
        self.manifest = ["# Written by capture.py: what each client sent (hex; - = null)."]

    def run(self, name, codec, produce, expect="valid", producer_id=None):
        broker = FakeBroker()
        try:
            records = produce(broker.port)
        finally:
            broker.close()
        if not broker.record_sets:
            raise RuntimeError(f"{name}: no produce request captured")
        with open(os.path.join(HERE, name + ".bin"), "wb") as f:
            f.write(b"".join(broker.record_sets))
        line = f"batch {name}.bin {codec} {expect}"
        if producer_id is not None:
            line += f" producer_id={producer_id}"
        self.manifest.append(line)
        self.manifest += [record_line(*r) for r in records]
        print(f"captured {name}: {len(broker.record_sets)} record set(s)")

    def write(self):
        with open(os.path.join(HERE, "expected.txt"), "w") as f:
            f.write("\n".join(self.manifest) + "\n")


# ---- clients ----------------------------------------------------------------

def kcat_scenario(codec):
    def produce(port):
        records = [(f"key-{i}", f"kcat {codec} value {i}", [("source", "kcat")]) for i in range(5)]
        lines = "".join(f"{k}:{v}\n" for k, v, _ in records)
        subprocess.run(["kcat", "-P", "-b", f"127.0.0.1:{port}", "-t", TOPIC, "-p", "0",
                        "-K", ":", "-z", codec, "-H", "source=kcat", "-X", "linger.ms=200"],
                       input=lines.encode(), check=True, timeout=60)
        return records
    return produce


def confluent_records(codec):
    big = pattern_bytes(PATTERN_SIZE)
    out = []
    for i in range(6):
        key = None if i == 3 else f"ck-{i}"
        value = None if i == 4 else (big if i == 5 else f"confluent {codec} value {i}".encode())
        headers = [("n", str(i).encode()), ("null-header", None)] if i % 2 == 0 else []
        out.append((key, value, headers, 1_700_000_000_000 + i * 10 - (50 if i == 2 else 0)))
    return out


def confluent_scenario(codec, idempotent=False):
    def produce(port):
        from confluent_kafka import Producer
        conf = {"bootstrap.servers": f"127.0.0.1:{port}", "compression.type": codec,
                "linger.ms": 200, "enable.idempotence": idempotent}
        p = Producer(conf)
        records = confluent_records(codec)
        for key, value, headers, ts in records:
            p.produce(TOPIC, key=key, value=value, headers=headers or None, partition=0,
                      timestamp=ts)
        if p.flush(30) != 0:
            raise RuntimeError("confluent-kafka did not deliver")
        return records
    return produce


def kafka_python_scenario(codec, api_version=None):
    def produce(port):
        from kafka import KafkaProducer
        conf = {"bootstrap_servers": f"127.0.0.1:{port}", "linger_ms": 200,
                "compression_type": None if codec == "none" else codec}
        if api_version:
            conf["api_version"] = api_version
        p = KafkaProducer(**conf)
        records = []
        for i in range(4):
            key, value = f"kp-{i}".encode(), f"kafka-python {codec} value {i}".encode()
            headers = [] if api_version else [("h", b"x")]
            ts = 1_600_000_000_000 + i
            p.send(TOPIC, key=key, value=value, headers=headers, partition=0, timestamp_ms=ts)
            records.append((key, value, headers, ts))
        p.flush(30)
        p.close(5)
        return records
    return produce


def kafkajs_scenario(codec):
    def produce(port):
        env = dict(os.environ, NODE_PATH=os.path.join(REPO, "tests", "integration", "node_modules"))
        script = os.path.join(HERE, "produce_kafkajs.js")
        subprocess.run(["node", script, f"127.0.0.1:{port}", TOPIC, codec], env=env, check=True,
                       timeout=60)
        return [(f"kj-{i}", f"kafkajs {codec} value {i}", [("source", "kafkajs")],
                 1_650_000_000_000 + i) for i in range(3)]
    return produce


def main():
    cap = Capture()
    if shutil.which("kcat"):
        for codec in CODECS:
            cap.run(f"kcat-{codec}", codec, kcat_scenario(codec))
    for codec in CODECS:
        cap.run(f"confluent-{codec}", codec, confluent_scenario(codec))
    cap.run("confluent-idempotent-zstd", "zstd", confluent_scenario("zstd", True),
            producer_id=FAKE_PRODUCER_ID)
    for codec in ["none", "gzip"]:  # the only codecs kafka-python has without extra modules
        cap.run(f"kafka-python-{codec}", codec, kafka_python_scenario(codec))
    # Forced to an old protocol, kafka-python sends a magic-1 message set.
    cap.run("kafka-python-magic1", "none", kafka_python_scenario("none", (0, 10, 1)),
            expect="unsupported_magic")
    kafkajs = os.path.join(REPO, "tests", "integration", "node_modules", "kafkajs")
    if shutil.which("node") and os.path.isdir(kafkajs):
        for codec in ["none", "gzip"]:  # kafkajs' built-in codecs
            cap.run(f"kafkajs-{codec}", codec, kafkajs_scenario(codec))
    cap.write()


if __name__ == "__main__":
    sys.exit(main())
