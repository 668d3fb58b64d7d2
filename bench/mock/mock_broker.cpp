// caudal-mock-broker: runs librdkafka's in-memory mock Kafka cluster on loopback until SIGINT or
// SIGTERM and prints its bootstrap address. It is how caudal-load is checked end to end on a
// machine without any Kafka broker, and gives a client-side reference run (docs/benchmarks.md).
// It is NOT a Caudal measurement.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

std::atomic<bool> stop{false};

void on_signal(int) { stop = true; }

// The mock has no controller, so clients cannot create topics through CreateTopics; topics
// given as NAME:PARTITIONS are created up front instead.
bool create_topics(rd_kafka_mock_cluster_t* cluster, int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto colon = arg.rfind(':');
    const int partitions = colon == std::string::npos ? 0 : std::atoi(arg.c_str() + colon + 1);
    if (partitions < 1) return false;
    const std::string name = arg.substr(0, colon);
    if (rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, 1) != 0) return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  const int brokers = argc > 1 ? std::atoi(argv[1]) : 1;
  if (brokers < 1) {
    std::fprintf(stderr, "usage: caudal-mock-broker [BROKERS [TOPIC:PARTITIONS ...]]\n");
    return 2;
  }
  char errstr[512];
  // The mock cluster needs a client handle to live in; it owns the listening sockets.
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), errstr, sizeof(errstr));
  if (rk == nullptr) {
    std::fprintf(stderr, "caudal-mock-broker: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    std::fprintf(stderr, "caudal-mock-broker: cannot create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  if (!create_topics(cluster, argc, argv)) {
    std::fprintf(stderr, "caudal-mock-broker: topics are NAME:PARTITIONS with PARTITIONS >= 1\n");
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(rk);
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
