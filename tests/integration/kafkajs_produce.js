// kafkajs client run by test_kafkajs.py: admin (create/list/metadata/delete topics) and a
// producer. Prints one JSON line {"messages": [...], "metadata": ...} for Python to verify
// with a different client. Usage: node kafkajs_produce.js BOOTSTRAP TOPIC COUNT
'use strict';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, countText] = process.argv.slice(2);
const count = Number(countText);

function messageAt(i) {
  const value = i % 3 === 0
    ? Buffer.from(Array.from({ length: 64 }, (_, j) => (i * 31 + j * 7) % 256))
    : Buffer.from(`kafkajs \u00fcml\u00e4ut #${i} \u{1F984}`, 'utf8');
  return {
    key: Buffer.from(`k${i % 7}`),
    value,
    headers: { seq: Buffer.from(String(i)), origin: Buffer.from('kafkajs') },
  };
}

async function adminSteps(admin) {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 2, replicationFactor: 1 },
      { topic: `${topic}-temp`, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error('createTopics reported that the topics already existed');
  const listed = await admin.listTopics();
  for (const t of [topic, `${topic}-temp`]) {
    if (!listed.includes(t)) throw new Error(`listTopics lacks ${t}: ${listed}`);
  }
  await admin.deleteTopics({ topics: [`${topic}-temp`], timeout: 10000 });
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = meta.topics[0].partitions.map((p) => p.partitionId).sort();
  if (partitions.join(',') !== '0,1') throw new Error(`partitions ${partitions}`);
}

async function main() {
  const kafka = new Kafka({ clientId: 'caudal-it-kafkajs', brokers: [bootstrap],
    logLevel: logLevel.ERROR, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await adminSteps(admin);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => messageAt(i));
  const sent = [];
  // Several sends, so both single-message and multi-message batches are covered.
  for (let i = 0; i < count; i += 25) {
    const batch = messages.slice(i, i + 25);
    const results = await producer.send({ topic, acks: -1, messages: batch });
    for (const r of results) {
      if (r.errorCode !== 0) throw new Error(`send error ${r.errorCode} on partition ${r.partition}`);
      sent.push({ partition: r.partition, baseOffset: Number(r.baseOffset), first: i,
        last: i + batch.length - 1 });
    }
  }
  await producer.disconnect();
  const hex = (b) => b.toString('hex');
  console.log(JSON.stringify({
    messages: messages.map((m) => ({ key: hex(m.key), value: hex(m.value),
      headers: Object.entries(m.headers).map(([k, v]) => [k, hex(v)]) })),
    sends: sent,
  }));
}

main().catch((err) => {
  console.error(`kafkajs failed: ${err.stack || err}`);
  process.exit(1);
});
