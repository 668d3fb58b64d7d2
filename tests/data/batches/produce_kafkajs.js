// Produces three records with kafkajs for capture.py:
//   node produce_kafkajs.js <host:port> <topic> <none|gzip>
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic, codec] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'caudal-capture', brokers: [broker], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = [0, 1, 2].map((i) => ({
    key: `kj-${i}`,
    value: `kafkajs ${codec} value ${i}`,
    headers: { source: 'kafkajs' },
    timestamp: String(1650000000000 + i),
  }));
  await producer.send({
    topic,
    compression: codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    messages: messages.map((m) => ({ ...m, partition: 0 })),
  });
  await producer.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
