// kafkajs consumer-group member run by test_groups_kafkajs.py (the scenario of
// test_groups_confluent.py). Joins GROUP on TOPIC from the earliest offset, commits
// each record synchronously after it is seen, and prints JSON lines the scenario reads:
// {"assign": [...]} after every join, {"msg": [p, o]} and {"committed": [p, o]} per
// record, {"closed": true} after a clean disconnect (LeaveGroup) on SIGTERM.
// Usage: node kafkajs_group_member.js BOOTSTRAP TOPIC GROUP SESSION_MS
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, sessionText] = process.argv.slice(2);

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// kafkajs logs every REBALANCE_IN_PROGRESS heartbeat answer as an ERROR although it is
// how a member learns to rejoin; drop those lines and keep every other error on stderr.
function logCreator() {
  return ({ namespace, label, log }) => {
    if (/rebalancing/.test(log.error || '')) return;
    console.error(JSON.stringify({ level: label, namespace, ...log }));
  };
}

async function main() {
  const kafka = new Kafka({ clientId: 'caudal-it-kafkajs-member', brokers: [bootstrap],
    logLevel: logLevel.ERROR, logCreator });
  // A short fetch wait keeps heartbeats (sent between fetches) well inside the session.
  const consumer = kafka.consumer({ groupId, sessionTimeout: Number(sessionText),
    heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    emit({ assign: (payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b) });
  });
  let stopping = false;
  process.on('SIGTERM', async () => {
    if (stopping) return;
    stopping = true;
    await consumer.disconnect(); // stops the runner and sends LeaveGroup
    emit({ closed: true });
    process.exit(0);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false, // commit each record ourselves, so "committed" is exact
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset);
      emit({ msg: [partition, offset] });
      await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
      emit({ committed: [partition, offset] });
    },
  });
}

main().catch((err) => {
  console.error(`kafkajs member failed: ${err.stack || err}`);
  process.exit(1);
});
