#!/usr/bin/python3
"""Golden message bodies from an independent Kafka codec: kafka-python's.

For every request/response class kafka-python (python3-kafka 2.0.2) defines
(non-flexible versions of ~30 APIs), fills the schema with seeded random
values, encodes it with kafka-python and appends the body bytes to
golden/kafka_python.bin, indexed by golden/kafka_python.tsv (sample name, Kafka
message name, version, offset, length). tests/protocol/test_client_frames.cpp decodes each with the
generated codec and requires a byte-exact re-encoding.

    /usr/bin/python3 tests/data/frames/kafka_python_golden.py
"""
import importlib
import inspect
import os
import random

from kafka.protocol.api import Request, Response
from kafka.protocol import types as T

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
MODULES = ["admin", "commit", "fetch", "group", "metadata", "offset", "produce"]

# kafka-python's class names that differ from the Kafka API names.
API_NAMES = {2: "ListOffsets", 10: "FindCoordinator", 17: "SaslHandshake", 18: "ApiVersions"}


# kafka-python schemas that disagree with Kafka's own JSON definitions; they
# are left out (checked by hand against ../shared/kafka-protocol/messages).
KNOWN_WRONG = {
    "DescribeAclsRequest_v2": "v2 is flexible in Kafka; kafka-python encodes it non-flexible",
    "DescribeAclsResponse_v2": "v2 is flexible in Kafka; kafka-python encodes it non-flexible",
    "DescribeGroupsResponse_v3": "kafka-python lacks AuthorizedOperations (int32, v3+)",
    "GroupCoordinatorResponse_v1": "kafka-python lacks ThrottleTimeMs (int32, v1+)",
    "OffsetRequest_v4": "kafka-python makes CurrentLeaderEpoch an int64; Kafka says int32",
    "ProduceResponse_v8": "kafka-python lacks RecordErrors and ErrorMessage (v8+)",
}


def value_for(t, rng):
    if isinstance(t, T.Schema):
        return tuple(value_for(f, rng) for f in t.fields)
    if isinstance(t, T.Array):
        return [value_for(t.array_of, rng) for _ in range(rng.randint(0, 2))]
    if t is T.Boolean or isinstance(t, T.Boolean):
        return rng.random() < 0.5
    for typ, bits in ((T.Int8, 8), (T.Int16, 16), (T.Int32, 32), (T.Int64, 64)):
        if t is typ or isinstance(t, typ):
            return rng.randint(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    if isinstance(t, T.String) or t is T.String:
        return "".join(rng.choice("abcxyz-_.") for _ in range(rng.randint(0, 6)))
    if isinstance(t, T.Bytes) or t is T.Bytes:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
    raise TypeError("unhandled kafka-python type %r" % (t,))


def classes():
    found = {}
    for mod in MODULES:
        m = importlib.import_module("kafka.protocol." + mod)
        for name, cls in inspect.getmembers(m, inspect.isclass):
            if issubclass(cls, (Request, Response)) and "_v" in name and hasattr(cls, "API_KEY"):
                found[name] = cls
    return found


def kafka_name(name, cls):
    base, kind = name.split("_v")[0], "Request" if issubclass(cls, Request) else "Response"
    api = API_NAMES.get(cls.API_KEY, base[: -len(kind)])
    return api + kind


def main():
    os.makedirs(HERE, exist_ok=True)
    rows, blob = [], bytearray()
    for name, cls in sorted(classes().items()):
        if name in KNOWN_WRONG:
            print("skipped %s: %s" % (name, KNOWN_WRONG[name]))
            continue
        rng = random.Random(name)  # seeded per class: stable output
        for sample in range(2):
            values = value_for(cls.SCHEMA, rng)
            try:
                body = cls.SCHEMA.encode(values)
            except TypeError as e:  # a few schemas use a type class, not an instance
                print("skipped %s: kafka-python cannot encode it (%s)" % (name, e))
                break
            rows.append(("%s_%d" % (name, sample), kafka_name(name, cls), cls.API_VERSION,
                         len(blob), len(body)))
            blob += body
    with open(os.path.join(HERE, "kafka_python.bin"), "wb") as fh:
        fh.write(blob)
    with open(os.path.join(HERE, "kafka_python.tsv"), "w") as fh:
        fh.write("# sample\tmessage\tversion\toffset\tlength (written by kafka_python_golden.py)\n")
        for r in rows:
            fh.write("%s\t%s\t%d\t%d\t%d\n" % r)
    print("%d golden bodies" % len(rows))


if __name__ == "__main__":
    main()
