"""Crash recovery: produce continuously with acks=1 (confluent-kafka) while the node is
SIGKILLed, restart it, and check that every acknowledged record is still at the offset its
delivery report named, byte for byte.

Two rounds on the same data directory:
  1. default flush policy (flush left to the OS): SIGKILL keeps the page cache, so every
     acknowledged record must survive even though none was fsynced;
  2. log.flush.interval.messages=1: every record is fsynced before it is acknowledged.
In both rounds "acknowledged" is the guarantee checked; records that were in flight at the
kill may be retried by the producer and then appear twice (at-least-once, no idempotence),
which is allowed; a record must never be at a different offset than its report says.
"""

import random
import threading
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

import clients
import harness
from harness import check, check_equal

TOPIC = "crash-topic"
PARTITIONS = 2
ACKS_BEFORE_KILL = 3000


class ContinuousProducer:
    """Produces unique records in a thread until stopped; collects delivery reports."""

    def __init__(self, bootstrap, round_id, seed):
        self.producer = Producer({
            "bootstrap.servers": bootstrap, "acks": "1", "linger.ms": 2,
            "message.timeout.ms": 60000, "retry.backoff.ms": 100,
            "reconnect.backoff.max.ms": 500, "enable.idempotence": False,
        })
        self.round_id, self.rng = round_id, random.Random(seed)
        self.acked, self.failed, self.sent = {}, [], 0
        self.lock, self.stop_flag = threading.Lock(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _report(self, err, msg):
        with self.lock:
            if err is None:
                self.acked[(msg.partition(), msg.offset())] = (msg.key(), msg.value(), [])
            else:
                self.failed.append(str(err))

    def _run(self):
        while not self.stop_flag.is_set():
            key = f"r{self.round_id}-k{self.sent % 13}".encode()
            value = f"r{self.round_id}-{self.sent}-".encode() + self.rng.randbytes(
                self.rng.randrange(10, 400))
            with self.lock:
                in_flight = self.sent - len(self.acked) - len(self.failed)
            if in_flight > 5000:  # keep memory bounded while the node is down
                self.producer.poll(0.01)
                continue
            try:
                self.producer.produce(TOPIC, key=key, value=value, on_delivery=self._report)
                self.sent += 1
            except BufferError:
                pass  # local queue full while the node is down: wait for space
            self.producer.poll(0.001 if self.sent % 50 == 0 else 0)

    def start(self):
        self.thread.start()

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def finish(self):
        self.stop_flag.set()
        self.thread.join(30)
        check_equal(self.producer.flush(90), 0, "records still unacknowledged after flush")


def crash_round(node, round_id):
    producer = ContinuousProducer(node.bootstrap, round_id, seed=round_id)
    producer.start()
    target = producer.acked_count() + ACKS_BEFORE_KILL
    harness.wait_until(lambda: producer.acked_count() >= target, 60,
                       f"{ACKS_BEFORE_KILL} acknowledgements in round {round_id}", 0.01)
    node.kill()  # mid-stream: batches are in flight
    killed_at = producer.acked_count()
    time.sleep(1.0)  # the producer keeps queueing while the node is down
    node.start()
    time.sleep(1.0)  # and delivers (retries) after the restart
    producer.finish()
    check(producer.acked_count() > killed_at, "nothing acknowledged after the restart")
    check(not producer.failed, f"failed deliveries: {producer.failed[:3]}")
    print(f"round {round_id}: {producer.acked_count()} records acknowledged, "
          f"{killed_at} of them before the SIGKILL")
    return producer.acked


def verify(node, acked, what):
    marks = clients.watermarks(node.bootstrap, TOPIC, range(PARTITIONS))
    for (p, offset) in acked:
        check(offset < marks[p][1], f"{what}: acked offset {p}/{offset} beyond end {marks[p]}")
    got = clients.read_partitions(node.bootstrap, TOPIC, range(PARTITIONS),
                                  {p: hi - lo for p, (lo, hi) in marks.items()}, timeout=60)
    print(f"{what}: {len(got)} records in the log, {len(acked)} acknowledged")
    for pos, record in sorted(acked.items()):
        check(pos in got, f"{what}: acked record {pos} missing")
        check_equal(got[pos], record, f"{what}: record at {pos}")


def test(ctx):
    node = ctx.node()
    admin = AdminClient({"bootstrap.servers": node.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(20)

    acked = crash_round(node, 1)
    node.restart(crash=True)  # a second crash with no traffic must not lose anything either
    verify(node, acked, "round 1 (default flush)")

    node.stop()
    node.write_config({"log.flush.interval.messages": "1"})
    node.start()
    acked2 = crash_round(node, 2)
    check(not set(acked) & set(acked2), "round 2 reported offsets of round 1")
    acked.update(acked2)
    node.restart(crash=True)
    verify(node, acked, "both rounds (flush every record)")


if __name__ == "__main__":
    harness.main(test)
