"""Consumer groups with kafka-python: the scenario of test_groups_confluent.py (split,
join, clean leave, SIGKILL hand-over within the session timeout, exact record counts)
with kafka-python members (JoinGroup/SyncGroup at the versions kafka-python negotiates)."""

import json
import signal
import sys

import test_groups_confluent as scenario

GROUP = "kafka-python-group"


def worker(bootstrap, topic, group):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.consumer.subscription_state import ConsumerRebalanceListener
    from kafka.structs import OffsetAndMetadata

    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            emit({"revoke": sorted(p.partition for p in revoked)})

        def on_partitions_assigned(self, assigned):
            emit({"assign": sorted(p.partition for p in assigned)})

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             session_timeout_ms=scenario.SESSION_MS, heartbeat_interval_ms=300)
    consumer.subscribe([topic], listener=Listener())
    while not stop:
        for tp, records in consumer.poll(timeout_ms=200).items():
            for r in records:
                emit({"msg": [r.partition, r.offset]})
                consumer.commit({TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(r.offset + 1, "")})
                emit({"committed": [r.partition, r.offset]})
    consumer.close()  # LeaveGroup
    emit({"closed": True})


def test(ctx):
    scenario.run_scenario(ctx, __file__, GROUP)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(*sys.argv[2:5])
    else:
        import harness
        harness.main(test)
