# Sequential acks=all produce latency on a running cluster: one message at a
# time to one partition (each waits for its ack), after 1 s pauses too.
import sys, time
from confluent_kafka import Producer
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
def one():
    done = []
    t0 = time.perf_counter()
    p.produce(topic, b"x" * 100, partition=0, on_delivery=lambda e, m: done.append(e))
    while not done: p.poll(0.001)
    assert done[0] is None, done[0]
    return (time.perf_counter() - t0) * 1000
for _ in range(20): one()  # warm up
back = sorted(one() for _ in range(n))
idle = []
for _ in range(10):
    time.sleep(1.0)
    idle.append(one())
idle.sort()
q = lambda xs, f: xs[min(len(xs) - 1, int(f * len(xs)))]
print(f"back-to-back n={n} p50 {q(back,.5):.2f} ms p99 {q(back,.99):.2f} ms; after 1 s idle n=10 p50 {q(idle,.5):.2f} ms max {idle[-1]:.2f} ms")
