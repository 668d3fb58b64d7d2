"""Idempotent producer: python3-confluent-kafka with enable.idempotence=true against a node
that drops the first Produce responses (test.drop.produce.responses) writes every record
exactly once; raw InitProducerId/Produce requests show duplicates answered with the original
offset (also across a SIGKILL and a clean restart), sequence gaps and fenced epochs."""

import os
import struct

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

import clients
import harness
import kafka_wire
from harness import check, check_equal

TOPIC = "idem-topic"
RAW_TOPIC = "idem-raw"
COUNT = 300


def produce_idempotent(bootstrap, start, count):
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                         "acks": "all", "linger.ms": 5, "request.timeout.ms": 1500,
                         "socket.timeout.ms": 2000,
                         "message.timeout.ms": 60000, "retry.backoff.ms": 100})
    errors = []

    def report(err, msg):
        if err is not None:
            errors.append(err)

    for i in range(start, start + count):
        producer.produce(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=0,
                         on_delivery=report)
        producer.poll(0)
    check_equal(producer.flush(90), 0, "messages still queued after flush")
    check(not errors, f"delivery errors: {errors[:5]}")


def check_exactly_once(node, count):
    got = clients.read_partitions(node.bootstrap, TOPIC, [0], {0: count}, timeout=60)
    values = sorted(int(v[1].decode()[1:]) for v in got.values())
    check_equal(values, list(range(count)), "values read (each exactly once)")
    for (_, _), (key, value, _) in got.items():
        check_equal(key.decode()[1:], value.decode()[1:], "key matches value")
    low, high = clients.watermarks(node.bootstrap, TOPIC, [0])[0]
    check_equal(high - low, count, "records stored in the partition")


def init_producer_id(conn, version=0, producer_id=-1, epoch=-1, transactional_id=None):
    body = {"TransactionalId": transactional_id, "TransactionTimeoutMs": 60000}
    if version >= 3:
        body.update({"ProducerId": producer_id, "ProducerEpoch": epoch})
    r = conn.request("InitProducerId", version, body)
    return r["ErrorCode"], r["ProducerId"], r["ProducerEpoch"]


def idempotent_batch(producer_id, epoch, sequence, records):
    """A RecordBatch with the producer fields set (they sit inside the CRC range)."""
    b = bytearray(kafka_wire.record_batch(records, 1700000000000))
    struct.pack_into(">qhi", b, 43, producer_id, epoch, sequence)
    struct.pack_into(">I", b, 17, kafka_wire.crc32c(bytes(b[21:])))
    return bytes(b)


def produce_when_loaded(conn, batch):
    """The node listens before its topics are loaded: retry UNKNOWN_TOPIC_OR_PARTITION."""
    def attempt():
        p = kafka_wire.produce(conn, RAW_TOPIC, 0, batch)
        return p if p["ErrorCode"] != 3 else None
    return harness.wait_until(attempt, 20, "the topic to be loaded")


def raw_checks(ctx, node):
    conn = kafka_wire.Connection("127.0.0.1", node.port)
    err, _, _ = init_producer_id(conn, transactional_id="txn-1")
    check_equal(err, 53, "InitProducerId with a transactional id")
    err, pid, epoch = init_producer_id(conn)
    check_equal((err, epoch), (0, 0), "InitProducerId v0")
    err, pid2, _ = init_producer_id(conn, version=4)
    check(err == 0 and pid2 != pid, "a second producer gets a new id")
    admin = AdminClient({"bootstrap.servers": node.bootstrap})
    admin.create_topics([NewTopic(RAW_TOPIC, 1, 1)])[RAW_TOPIC].result(20)
    del admin  # no client left reconnecting in the background across the restarts below
    first = idempotent_batch(pid, 0, 0, [(b"a", b"1", []), (b"b", b"2", [])])
    second = idempotent_batch(pid, 0, 2, [(b"c", b"3", [])])
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, first)
    check_equal((p["ErrorCode"], p["BaseOffset"]), (0, 0), "first idempotent batch")
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, second)
    check_equal((p["ErrorCode"], p["BaseOffset"]), (0, 2), "second idempotent batch")
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, first)
    check_equal((p["ErrorCode"], p["BaseOffset"]), (0, 0), "duplicate answered with its offset")
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, idempotent_batch(pid, 0, 9, [(b"x", b"x", [])]))
    check_equal(p["ErrorCode"], 45, "sequence gap")
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, idempotent_batch(pid2, 0, 4, [(b"x", b"x", [])]))
    check_equal(p["ErrorCode"], 59, "unknown producer with sequence != 0")
    conn.close()

    # SIGKILL: the state is rebuilt from the log, the retry is still recognised.
    node.kill()
    node.write_config({"test.drop.produce.responses": "0"})
    node.start()
    conn = kafka_wire.Connection("127.0.0.1", node.port)
    p = produce_when_loaded(conn, second)
    check_equal((p["ErrorCode"], p["BaseOffset"]), (0, 2), "duplicate after SIGKILL")
    check_equal(kafka_wire.list_offset(conn, RAW_TOPIC, 0, kafka_wire.LATEST), (0, 3),
                "log end after the retry across a crash")
    conn.close()

    # Clean stop writes a snapshot; the next start loads it.
    check_equal(node.stop(), 0, "exit code after SIGTERM")
    pdir = os.path.join(node.data_dir, f"{RAW_TOPIC}-0")
    snaps = [n for n in os.listdir(pdir) if n.endswith(".snapshot")]
    check(f"{3:020d}.snapshot" in snaps, f"snapshot at the log end after a clean stop: {snaps}")
    node.start()
    conn = kafka_wire.Connection("127.0.0.1", node.port)
    p = produce_when_loaded(conn, first)
    check_equal((p["ErrorCode"], p["BaseOffset"]), (0, 0), "duplicate after a clean restart")
    # KIP-360: bumping the epoch fences the old one; the new epoch starts at 0.
    err, same, bumped = init_producer_id(conn, version=3, producer_id=pid, epoch=0)
    check_equal((err, same, bumped), (0, pid, 1), "epoch bump")
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, idempotent_batch(pid, 1, 0, [(b"d", b"4", [])]))
    check_equal((p["ErrorCode"], p["BaseOffset"]), (0, 3), "first batch of the new epoch")
    p = kafka_wire.produce(conn, RAW_TOPIC, 0, idempotent_batch(pid, 0, 3, [(b"e", b"5", [])]))
    check_equal(p["ErrorCode"], 47, "old epoch fenced")
    check_equal(kafka_wire.list_offset(conn, RAW_TOPIC, 0, kafka_wire.LATEST), (0, 4),
                "log end at the end")
    # Producer ids are not reused after restarts.
    err, pid3, _ = init_producer_id(conn)
    check(err == 0 and pid3 > max(pid, pid2), f"new id {pid3} after restarts")
    conn.close()


def test(ctx):
    node = ctx.node({"test.drop.produce.responses": "2"})
    produce_idempotent(node.bootstrap, 0, COUNT)
    with open(node.log_path, "rb") as f:
        check(f.read().count(b"dropping the response") >= 1, "no produce response was dropped")
    check_exactly_once(node, COUNT)
    raw_checks(ctx, node)


if __name__ == "__main__":
    harness.main(test)
