"""kafkajs 2.2.4 idempotent producer (idempotent: true) against a node that drops the first
Produce responses (test.drop.produce.responses=2): kafkajs times out, retries the same
batches with the same sequences, and every record is stored exactly once."""

import json
import os
import subprocess

import clients
import harness
from harness import check, check_equal

TOPIC = "idem-kafkajs"
COUNT = 60

# Run with `node -e` from tests/integration, so require() finds its node_modules.
SCRIPT = r"""
'use strict';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic, count] = process.argv.slice(1);
async function main() {
  const kafka = new Kafka({ clientId: 'caudal-it-idem', brokers: [bootstrap],
    logLevel: logLevel.NOTHING, requestTimeout: 1500, retry: { retries: 10, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1,
    allowAutoTopicCreation: false });
  await producer.connect();
  const offsets = [];
  for (let i = 0; i < Number(count); i += 3) {
    const messages = [i, i + 1, i + 2].filter((j) => j < Number(count))
      .map((j) => ({ key: `k${j}`, value: `v${j}` }));
    const r = await producer.send({ topic, acks: -1, messages });
    offsets.push(Number(r[0].baseOffset));
  }
  await producer.disconnect();
  console.log(JSON.stringify({ offsets }));
}
main().catch((e) => { console.error(e); process.exit(1); });
"""


def test(ctx):
    check(os.path.isdir(os.path.join(harness.HERE, "node_modules", "kafkajs")),
          "kafkajs missing: run scripts/install-deps.sh (npm ci in tests/integration)")
    node = ctx.node({"test.drop.produce.responses": "2"})
    run = subprocess.run(["node", "-e", SCRIPT, node.bootstrap, TOPIC, str(COUNT)],
                         capture_output=True, timeout=120, cwd=harness.HERE)
    check(run.returncode == 0, f"kafkajs exited {run.returncode}: {run.stderr.decode()}")
    offsets = json.loads(run.stdout)["offsets"]
    check_equal(offsets, list(range(0, COUNT, 3)), "base offsets reported to kafkajs")
    with open(node.log_path, "rb") as f:
        check(f.read().count(b"dropping the response") == 2, "two produce responses dropped")
    low, high = clients.watermarks(node.bootstrap, TOPIC, [0])[0]
    check_equal((low, high), (0, COUNT), "records stored (no duplicates)")
    got = clients.read_partitions(node.bootstrap, TOPIC, [0], {0: COUNT})
    for (_, offset), (key, value, _) in got.items():
        check_equal((key, value), (f"k{offset}".encode(), f"v{offset}".encode()),
                    f"record at {offset}")


if __name__ == "__main__":
    harness.main(test)
