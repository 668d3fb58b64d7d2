// kafkajs client run by test_cluster_admin_wire.py: alterPartitionReassignments and
// listPartitionReassignments against a real cluster. Moves partition 0 of a new RF=2 topic
// to the node that holds none of it, waits until Metadata shows the move done, and tries a
// refused move. Prints one JSON line for Python to check.
// Usage: node kafkajs_reassign.js BOOTSTRAP TOPIC
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function partitionZero(admin) {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  return md.topics[0].partitions.find((p) => p.partitionId === 0);
}

async function waitForReplicas(admin, target) {
  const want = [...target].sort().join(',');
  for (let i = 0; i < 120; i += 1) {
    const p = await partitionZero(admin);
    if ([...p.replicas].sort().join(',') === want && p.isr.length === target.length &&
        p.leader >= 0) {
      return p;
    }
    await sleep(500);
  }
  throw new Error(`partition 0 never reached replicas ${want}`);
}

async function main() {
  const kafka = new Kafka({ clientId: 'caudal-kafkajs-reassign', brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }],
      waitForLeaders: true });
    const before = await waitForReplicas(admin, (await partitionZero(admin)).replicas);
    const cluster = await admin.describeCluster();
    const free = cluster.brokers.map((b) => b.nodeId).find((id) => !before.replicas.includes(id));
    const target = [free, before.replicas[1]];
    await admin.alterPartitionReassignments({
      topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: target }] }] });
    const firstList = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }] });
    const after = await waitForReplicas(admin, target);
    let finalList = await admin.listPartitionReassignments({});
    for (let i = 0; i < 40 && finalList.topics.some((t) => t.partitions.length > 0); i += 1) {
      await sleep(250);
      finalList = await admin.listPartitionReassignments({});
    }
    let refused = null;
    try {
      await admin.alterPartitionReassignments({
        topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [free, 99] }] }] });
    } catch (e) {
      // Per-partition errors arrive wrapped in a KafkaJSAggregateError.
      refused = e.type || (e.errors || []).map((x) => x.type).join(',') || e.name;
    }
    console.log(JSON.stringify({ before: before.replicas, target, firstList, finalList,
      after: { replicas: after.replicas, isr: after.isr, leader: after.leader }, refused }));
  } finally {
    await admin.disconnect();
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
