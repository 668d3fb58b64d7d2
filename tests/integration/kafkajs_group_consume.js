// kafkajs consumer-group client run by test_kafkajs_group.py (registered once the node
// serves consumer groups). Joins GROUP, reads COUNT records of TOPIC, commits, and prints
// them as JSON lines. Usage: node kafkajs_group_consume.js BOOTSTRAP TOPIC GROUP COUNT
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, countText] = process.argv.slice(2);
const count = Number(countText);

async function main() {
  const kafka = new Kafka({ clientId: 'caudal-it-kafkajs-group', brokers: [bootstrap],
    logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} records`)), 60000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, offset: Number(message.offset),
          key: message.key ? message.key.toString('hex') : null,
          value: message.value ? message.value.toString('hex') : null });
        if (seen.length === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect(); // commits the consumed offsets and leaves the group
  for (const record of seen) console.log(JSON.stringify(record));
}

main().catch((err) => {
  console.error(`kafkajs consumer failed: ${err.stack || err}`);
  process.exit(1);
});
