"""Schema-driven Kafka wire codec for raw-socket tests.

Reads the protocol's own message definitions (shared/kafka-protocol/messages/*.json) and
encodes/decodes requests and responses of any API and version as plain dicts whose keys are
the schema's field names (e.g. {"Topics": [{"Name": "t"}]}). Tagged fields are written empty
and skipped when read. Also builds RecordBatch v2 (with CRC-32C) and reads it back.

Written for tests: it trusts the broker's framing only as far as needed to report errors.
"""

import json
import os
import re
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MESSAGES_DIR = os.environ.get(
    "KAFKA_MESSAGES_DIR",
    os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "kafka-protocol", "messages")))


def _load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))


class _Schemas:
    def __init__(self):
        self.requests, self.responses = {}, {}
        for name in os.listdir(MESSAGES_DIR):
            if not name.endswith(".json"):
                continue
            d = _load(os.path.join(MESSAGES_DIR, name))
            if d.get("type") == "request":
                self.requests[d["apiKey"]] = d
            elif d.get("type") == "response":
                self.responses[d["apiKey"]] = d
        self.api_keys = {d["name"][: -len("Request")]: k for k, d in self.requests.items()}


_schemas = None


def schemas():
    global _schemas
    if _schemas is None:
        _schemas = _Schemas()
    return _schemas


def api_key(name):
    """'Produce' -> 0."""
    return schemas().api_keys[name]


def in_versions(spec, version):
    if spec is None or spec == "none":
        return False
    if spec.endswith("+"):
        return version >= int(spec[:-1])
    if "-" in spec:
        lo, hi = spec.split("-")
        return int(lo) <= version <= int(hi)
    return version == int(spec)


# ---------------------------------------------------------------------------- primitives

def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint(n):
    return uvarint((n << 1) ^ (n >> 63))


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"truncated: need {n} bytes at {self.pos} of {len(self.data)}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt):
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size))[0]

    def uvarint(self):
        shift, result = 0, 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def varint(self):
        n = self.uvarint()
        return (n >> 1) ^ -(n & 1)

    def remaining(self):
        return len(self.data) - self.pos


_FIXED = {"bool": ">?", "int8": ">b", "int16": ">h", "uint16": ">H", "int32": ">i",
          "uint32": ">I", "int64": ">q", "float64": ">d"}


# ---------------------------------------------------------------------------- struct codec

class _Codec:
    def __init__(self, message, version):
        self.version = version
        self.flexible = in_versions(message.get("flexibleVersions"), version)
        self.common = {s["name"]: s for s in message.get("commonStructs", [])}

    def _present(self, field):
        return in_versions(field.get("versions"), self.version) and "tag" not in field

    def _nullable(self, field):
        return in_versions(field.get("nullableVersions"), self.version)

    def _struct_fields(self, field, type_name):
        if "fields" in field:
            return field["fields"]
        return self.common[type_name]["fields"]

    def _default(self, field):
        t = field["type"]
        if t.startswith("[]"):
            return None if self._nullable(field) else []
        if t in _FIXED:
            d = field.get("default", "false" if t == "bool" else "0")
            if t == "bool":
                return str(d).lower() == "true"
            return float(d) if t == "float64" else int(str(d), 0)
        if t in ("string", "bytes", "records"):
            if self._nullable(field) and field.get("default") == "null":
                return None
            return field.get("default", "") if t == "string" else b""
        if t == "uuid":
            return b"\0" * 16
        return {}

    # -- encoding
    def encode_struct(self, fields, values, out):
        for field in fields:
            if not self._present(field):
                continue
            value = values.get(field["name"], self._default(field)) if values else self._default(field)
            self.encode_value(field, field["type"], value, out)
        if self.flexible:
            out += uvarint(0)  # no tagged fields


    def encode_value(self, field, t, value, out):
        if t in _FIXED:
            out += struct.pack(_FIXED[t], value)
        elif t == "uuid":
            out += value
        elif t == "string":
            self._encode_bytes(None if value is None else value.encode("utf-8"), out, 2)
        elif t in ("bytes", "records"):
            self._encode_bytes(value, out, 4)
        elif t.startswith("[]"):
            self._encode_array(field, t[2:], value, out)
        else:
            self.encode_struct(self._struct_fields(field, t), value, out)

    def _encode_bytes(self, data, out, width):
        if self.flexible:
            out += uvarint(0 if data is None else len(data) + 1)
        else:
            out += struct.pack(">h" if width == 2 else ">i", -1 if data is None else len(data))
        if data is not None:
            out += data

    def _encode_array(self, field, elem, items, out):
        if self.flexible:
            out += uvarint(0 if items is None else len(items) + 1)
        else:
            out += struct.pack(">i", -1 if items is None else len(items))
        for item in items or []:
            self.encode_value(field, elem, item, out)

    # -- decoding
    def decode_struct(self, fields, r):
        values = {}
        for field in fields:
            if self._present(field):
                values[field["name"]] = self.decode_value(field, field["type"], r)
        if self.flexible:
            for _ in range(r.uvarint()):
                r.uvarint()
                r.take(r.uvarint())
        return values

    def decode_value(self, field, t, r):
        if t in _FIXED:
            return r.unpack(_FIXED[t])
        if t == "uuid":
            return r.take(16)
        if t == "string":
            data = self._decode_bytes(r, 2)
            return None if data is None else data.decode("utf-8")
        if t in ("bytes", "records"):
            return self._decode_bytes(r, 4)
        if t.startswith("[]"):
            n = r.uvarint() - 1 if self.flexible else r.unpack(">i")
            return None if n < 0 else [self.decode_value(field, t[2:], r) for _ in range(n)]
        return self.decode_struct(self._struct_fields(field, t), r)

    def _decode_bytes(self, r, width):
        n = r.uvarint() - 1 if self.flexible else r.unpack(">h" if width == 2 else ">i")
        return None if n < 0 else r.take(n)


def encode_request(name, version, body, correlation_id=1, client_id="caudal-tests"):
    """Returns the complete frame (size prefix included) of a request."""
    s = schemas()
    message = s.requests[api_key(name)]
    codec = _Codec(message, version)
    out = bytearray(struct.pack(">hhi", api_key(name), version, correlation_id))
    cid = client_id.encode()
    out += struct.pack(">h", len(cid)) + cid
    if codec.flexible:
        out += uvarint(0)
    codec.encode_struct(message["fields"], body, out)
    return struct.pack(">i", len(out)) + bytes(out)


def decode_response(name, version, payload):
    """Decodes a response frame's payload (after the size). Returns (correlation_id, dict)."""
    message = schemas().responses[api_key(name)]
    codec = _Codec(message, version)
    r = Reader(payload)
    correlation_id = r.unpack(">i")
    if codec.flexible and name != "ApiVersions":
        for _ in range(r.uvarint()):
            r.uvarint()
            r.take(r.uvarint())
    return correlation_id, codec.decode_struct(message["fields"], r)


# ---------------------------------------------------------------------------- connection

class Connection:
    """One TCP connection to a broker, for hand-made requests."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.correlation_id = 0

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        chunks = bytearray()
        while len(chunks) < n:
            chunk = self.sock.recv(n - len(chunks))
            if not chunk:
                raise ConnectionError("connection closed by broker")
            chunks += chunk
        return bytes(chunks)

    def recv_frame(self):
        size = struct.unpack(">i", self.recv_exact(4))[0]
        return self.recv_exact(size)

    def is_closed_by_peer(self, wait=5.0):
        """True if the broker closes the connection (EOF or reset) within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def request(self, name, version, body):
        self.correlation_id += 1
        self.send_raw(encode_request(name, version, body, self.correlation_id))
        cid, response = decode_response(name, version, self.recv_frame())
        if cid != self.correlation_id:
            raise ValueError(f"correlation id {cid}, expected {self.correlation_id}")
        return response


# ---------------------------------------------------------------------------- records

def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _record(offset_delta, key, value, headers):
    body = bytearray(b"\0")  # attributes
    body += varint(0)  # timestamp delta
    body += varint(offset_delta)
    for data in (key, value):
        if data is None:
            body += varint(-1)
        else:
            body += varint(len(data)) + data
    body += varint(len(headers))
    for hk, hv in headers:
        body += varint(len(hk)) + hk
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def record_batch(records, timestamp_ms, corrupt_crc=False):
    """RecordBatch v2 (uncompressed) of [(key, value, [(hkey, hvalue)])] byte strings."""
    recs = b"".join(_record(i, k, v, h) for i, (k, v, h) in enumerate(records))
    after_crc = struct.pack(">hiqqqhii", 0, len(records) - 1, timestamp_ms, timestamp_ms,
                            -1, -1, -1, len(records)) + recs
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0xDEADBEEF
    after_length = struct.pack(">ibI", -1, 2, crc) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def read_batches(data):
    """Parses uncompressed v2 batches into [(offset, key, value, headers)]; checks CRCs."""
    out, r = [], Reader(data)
    while r.remaining() >= 12:
        base_offset, length = struct.unpack(">qi", r.take(12))
        if length > r.remaining():
            break  # a partial batch at the end of a fetch is allowed
        batch = Reader(r.take(length))
        _, magic, crc = struct.unpack(">ibI", batch.take(9))
        if magic != 2:
            raise ValueError(f"magic {magic}")
        rest = batch.data[batch.pos:]
        if crc32c(rest) != crc:
            raise ValueError(f"bad CRC in batch at offset {base_offset}")
        attributes = batch.unpack(">h")
        if attributes & 0x7:
            raise ValueError("compressed batch (not supported by this reader)")
        batch.take(4 + 8 + 8 + 8 + 2 + 4)
        for _ in range(batch.unpack(">i")):
            out.append(_read_record(batch, base_offset))
    return out


def _read_record(r, base_offset):
    r.varint()  # length
    r.take(1)
    r.varint()  # timestamp delta
    offset = base_offset + r.varint()

    def blob():
        n = r.varint()
        return None if n < 0 else r.take(n)

    key, value = blob(), blob()
    headers = [(blob(), blob()) for _ in range(r.varint())]
    return offset, key, value, headers


# ---------------------------------------------------------------------------- request helpers
# Fixed, non-flexible versions that every client generation still uses (kafka-python
# negotiates them), so the node is expected to serve them.

def produce(conn, topic, partition, records, acks=-1, version=3):
    """Produce request; returns the partition's response dict."""
    response = conn.request("Produce", version, {
        "TransactionalId": None, "Acks": acks, "TimeoutMs": 10000,
        "TopicData": [{"Name": topic, "PartitionData": [{"Index": partition, "Records": records}]}],
    })
    return response["Responses"][0]["PartitionResponses"][0]


def fetch(conn, topic, partition, offset, max_bytes=1 << 20, version=4):
    """Fetch request; returns the partition's response dict."""
    response = conn.request("Fetch", version, {
        "ReplicaId": -1, "MaxWaitMs": 0, "MinBytes": 0, "MaxBytes": max_bytes,
        "IsolationLevel": 0,
        "Topics": [{"Topic": topic, "Partitions": [
            {"Partition": partition, "FetchOffset": offset, "LogStartOffset": -1,
             "PartitionMaxBytes": max_bytes}]}],
    })
    return response["Responses"][0]["Partitions"][0]


EARLIEST, LATEST = -2, -1


def list_offset(conn, topic, partition, timestamp, version=1):
    """ListOffsets; returns (error_code, offset)."""
    response = conn.request("ListOffsets", version, {
        "ReplicaId": -1, "IsolationLevel": 0,
        "Topics": [{"Name": topic, "Partitions": [{"PartitionIndex": partition,
                                                    "Timestamp": timestamp}]}],
    })
    p = response["Topics"][0]["Partitions"][0]
    return p["ErrorCode"], p["Offset"]
