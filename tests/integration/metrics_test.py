"""Per-event-type metrics on /metrics, scraped from a real gateway after known
events were published over HTTP and gRPC (and refused), delivered to
WebSocket clients, and dropped for a slow consumer; and events received from
a real Redis by the source their envelope names, from every way of
publishing (HTTP, gRPC, the admin console, the CLI's --redis, a typed C++
publisher, an envelope without a source), on two replicas."""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import unittest

from harness import WAIT_SECONDS, Gateway, RedisServer, mint_token, recv_json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "grpc"))
from grpc_harness import GrpcGateway, bearer, load_stubs  # noqa: E402


def broadcast(i, size=10):
    return {"type": "new_broadcast",
            "data": {"id": i, "title": "t" * size, "content": "c", "author": "a",
                     "created_at": "2026-11-25T10:00:00Z"}}


def comment(track, i):
    return {"type": "new_comment", "track_id": str(track),
            "data": {"id": i, "content": "c", "author": "a", "timestamp": 1.5,
                     "created_at": "2026-11-25T10:00:00Z"}}


def scrape(gw):
    """{(name, frozenset(labels)): value} of every sample on /metrics."""
    status, body = gw.request("GET", "/metrics")
    assert status == 200, body
    samples = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        assert match, line
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


class EventMetricsTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.gw = GrpcGateway("--send-queue-frames", "16")

    def tearDown(self):
        self.gw.close()

    async def test_counters_and_histogram_per_event_type_are_exact(self):
        b = "new_broadcast", "broadcasts"
        c = "new_comment", "track_comments"
        async with self.gw.connect("/ws/broadcasts", user="m1") as w1, \
                self.gw.connect("/ws/broadcasts", user="m2") as w2, \
                self.gw.connect("/ws/comments/7", user="m3") as w3:
            for i in range(3):
                self.assertEqual(self.gw.publish(broadcast(i))[0], 202)
            stubs = load_stubs()
            pb, rpc = stubs["publisher_pb2"], stubs["publisher_pb2_grpc"]
            with self.gw.channel() as channel:
                stub = rpc.PublisherStub(channel)
                for i in range(2):
                    stub.Publish(pb.PublishRequest(json=pb.JsonEvent(
                        type="new_comment", json=json.dumps(comment(7, i)))), metadata=bearer())
                with self.assertRaises(Exception):  # unknown type
                    stub.Publish(pb.PublishRequest(json=pb.JsonEvent(type="nope", json="{}")),
                                 metadata=bearer())
                with self.assertRaises(Exception):  # no key
                    stub.Publish(pb.PublishRequest(json=pb.JsonEvent(
                        type="new_comment", json=json.dumps(comment(7, 9)))))
            self.assertEqual(self.gw.publish({"type": "nope"})[0], 400)
            self.assertEqual(self.gw.publish(broadcast(9), key="wrong")[0], 401)
            for ws in (w1, w2):
                for i in range(3):
                    self.assertEqual((await recv_json(ws))["data"]["id"], i)
            for i in range(2):
                self.assertEqual((await recv_json(w3))["data"]["id"], i)

        m = scrape(self.gw)
        labels = lambda e: {"type": e[0], "channel": e[1]}  # noqa: E731
        self.assertEqual(sample(m, "pubsub_events_published_total", **labels(b), source="http"), 3)
        self.assertEqual(sample(m, "pubsub_events_published_total", **labels(b), source="grpc"), 0)
        self.assertEqual(sample(m, "pubsub_events_published_total", **labels(c), source="grpc"), 2)
        self.assertEqual(sample(m, "pubsub_publish_refused_total", source="http", reason="invalid"),
                         1)
        self.assertEqual(
            sample(m, "pubsub_publish_refused_total", source="http", reason="unauthorized"), 1)
        self.assertEqual(sample(m, "pubsub_publish_refused_total", source="grpc", reason="invalid"),
                         1)
        self.assertEqual(
            sample(m, "pubsub_publish_refused_total", source="grpc", reason="unauthorized"), 1)
        # From the bus, by the source their envelopes name (this gateway's own).
        self.assertEqual(sample(m, "pubsub_events_received_total", **labels(b), source="http"), 3)
        self.assertEqual(sample(m, "pubsub_events_received_total", **labels(c), source="grpc"), 2)
        self.assertEqual(sample(m, "pubsub_events_received_total", **labels(c), source="http"), 0)
        self.assertEqual(sample(m, "pubsub_events_delivered_total", **labels(b)), 6)
        self.assertEqual(sample(m, "pubsub_events_delivered_total", **labels(c)), 2)
        self.assertEqual(sample(m, "pubsub_delivery_latency_seconds_count", type=b[0]), 6)
        self.assertEqual(sample(m, "pubsub_delivery_latency_seconds_bucket", type=b[0], le="+Inf"),
                         6)
        self.assertEqual(sample(m, "pubsub_delivery_latency_seconds_count", type=c[0]), 2)
        self.assertGreater(sample(m, "pubsub_delivery_latency_seconds_sum", type=b[0]), 0)
        # No user id or scope value ever becomes a label.
        status, body = self.gw.request("GET", "/metrics")
        for private in ("m1", "m2", "m3", '"7"'):
            self.assertNotIn(private, body)

    async def test_frames_dropped_for_a_slow_consumer_are_counted(self):
        # A client that upgrades and never reads: its send queue (16 frames)
        # overflows once the kernel's buffers are full.
        raw = socket.create_connection(("127.0.0.1", self.gw.port))
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.sendall((f"GET /ws/broadcasts HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     f"Sec-WebSocket-Version: 13\r\n"
                     f"Authorization: Bearer {mint_token('slow')}\r\n\r\n").encode())
        self.gw.wait_for(lambda: self.gw.stats()["connections"] == 1, "the slow client")
        try:
            for i in range(2000):
                self.assertEqual(self.gw.publish(broadcast(i, size=4000))[0], 202)
                if i % 100 == 99 and self.gw.metric("pubsub_slow_consumer_disconnects_total"):
                    break
            self.gw.wait_for(lambda: self.gw.metric("pubsub_slow_consumer_disconnects_total") == 1,
                             "the slow consumer to be closed")
            m = scrape(self.gw)
            dropped = sample(m, "pubsub_events_dropped_total", type="new_broadcast",
                             channel="broadcasts", reason="slow_consumer")
            delivered = sample(m, "pubsub_events_delivered_total", type="new_broadcast",
                               channel="broadcasts")
            received = sample(m, "pubsub_events_received_total", type="new_broadcast",
                              channel="broadcasts", source="http")
            self.assertGreaterEqual(dropped, 16)  # the whole queue
            # Each event received while the client was there was either written or dropped.
            self.assertLessEqual(delivered + dropped, received)
            self.assertGreater(delivered, 0)
        finally:
            raw.close()


CLI = os.environ.get("PUBSUB_CLI", "pubsub")
# tools/examples/publish_broadcast.cc: a typed sample::BroadcastsPublisher
# over a Redis bus, as a C++ service publishes.
EXAMPLE = os.environ.get("PUBSUB_EXAMPLE_PUBLISH_BROADCAST", "publish_broadcast")


def varint(n):
    out = b""
    while n >= 128:
        out += bytes([n % 128 + 128])
        n //= 128
    return out + bytes([n])


def field(number, value):
    """A protobuf field: bytes length-delimited, int a varint."""
    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    return varint(number << 3) + varint(value)


def sourceless_envelope(i):
    """A new_broadcast envelope as a publisher older than Envelope.source
    wrote it: no field 9."""
    data = field(1, i) + field(2, b"old") + field(3, b"c") + field(4, b"a")
    return (field(1, f"old-{i}".encode()) + field(3, b"new_broadcast") +
            field(4, b"broadcasts") + field(6, field(1, data)))


def redis_publish(port, channel, message):
    """PUBLISH with binary-safe arguments (RESP over a socket)."""
    args = [b"PUBLISH", channel.encode(), message]
    command = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) as s:
        s.sendall(command)
        reply = s.recv(64)
    assert reply.startswith(b":"), reply
    return int(reply[1:].strip())


class ReceivedBySourceTest(unittest.IsolatedAsyncioTestCase):
    """pubsub_events_received_total{type,channel,source}: two replicas on one
    Redis both count every event by the source its envelope names, whoever
    published it and wherever; published_total stays what each accepted."""

    def setUp(self):
        self.redis = RedisServer()
        self.gw = GrpcGateway(bus=self.redis.url)
        self.other = Gateway(bus=self.redis.url)

    def tearDown(self):
        self.other.close()
        self.gw.close()
        self.redis.close()

    def run_tool(self, *args):
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=WAIT_SECONDS)
        self.assertEqual(done.returncode, 0, f"{args}: {done.stderr}")
        return done.stdout

    async def test_every_source_is_counted_exactly_on_every_replica(self):
        b = {"type": "new_broadcast", "channel": "broadcasts"}
        async with self.gw.connect("/ws/broadcasts", user="m1") as w1, \
                self.other.connect("/ws/broadcasts", user="m2") as w2:
            self.gw.wait_for(lambda: self.redis.numsub("pubsub:broadcasts") == 2,
                             "both replicas subscribed to broadcasts")
            ids = []
            # HTTP: 3 (one of them the CLI's --gateway).
            for i in range(2):
                self.assertEqual(self.gw.publish(broadcast(100 + i))[0], 202)
            self.run_tool(CLI, "publish", "new_broadcast", json.dumps(broadcast(102)),
                          "--gateway", self.gw.base, "--key-file", self.gw.key_file)
            ids += [100, 101, 102]
            # gRPC: 2 (one of them the CLI's --grpc).
            stubs = load_stubs()
            pb, rpc = stubs["publisher_pb2"], stubs["publisher_pb2_grpc"]
            with self.gw.channel() as channel:
                rpc.PublisherStub(channel).Publish(pb.PublishRequest(json=pb.JsonEvent(
                    type="new_broadcast", json=json.dumps(broadcast(200)))), metadata=bearer())
            self.run_tool(CLI, "publish", "new_broadcast", json.dumps(broadcast(201)),
                          "--grpc", self.gw.grpc_target, "--key-file", self.gw.key_file)
            ids += [200, 201]
            # The admin console: 1.
            status, body = self.gw.request(
                "POST", "/api/admin/publish", json.dumps(broadcast(300)),
                {"Content-Type": "application/json",
                 "Authorization": f"Bearer {mint_token('root', ['admin'])}"})
            self.assertEqual(status, 202, body)
            ids += [300]
            # The CLI straight to Redis: 2.
            for i in range(2):
                self.run_tool(CLI, "publish", "new_broadcast", json.dumps(broadcast(400 + i)),
                              "--redis", self.redis.url)
            ids += [400, 401]
            # A typed C++ publisher straight to Redis: 1 (its event's id is 1).
            self.run_tool(EXAMPLE, self.redis.url, "From C++")
            ids += [1]
            # An older publisher's envelope, without a source: 1.
            self.assertEqual(redis_publish(self.redis.port, "pubsub:broadcasts",
                                           sourceless_envelope(500)), 2)
            ids += [500]
            for ws in (w1, w2):
                got = [(await recv_json(ws))["data"]["id"] for _ in ids]
                self.assertEqual(sorted(got), sorted(ids))

        expected = {"http": 3, "grpc": 2, "admin": 1, "cli": 2, "service": 1, "unknown": 1}
        for gw in (self.gw, self.other):
            m = scrape(gw)
            for source, count in expected.items():
                self.assertEqual(
                    sample(m, "pubsub_events_received_total", **b, source=source), count,
                    f"{source} on {gw.base}")
            # Nothing else: no other source, no other type.
            received = {labels: v for (name, labels), v in m.items()
                        if name == "pubsub_events_received_total" and v}
            self.assertEqual(sum(received.values()), sum(expected.values()), received)
            self.assertEqual(sample(m, "pubsub_events_delivered_total", **b), len(ids))
        # What each replica accepted itself: only the one that was asked.
        m = scrape(self.gw)
        for source, count in {"http": 3, "grpc": 2, "admin": 1}.items():
            self.assertEqual(sample(m, "pubsub_events_published_total", **b, source=source), count)
        m = scrape(self.other)
        for source in ("http", "grpc", "admin"):
            self.assertEqual(sample(m, "pubsub_events_published_total", **b, source=source), 0)


DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                         "grafana", "pubsub-dashboard.json")


def dashboard_metrics():
    """Every pubsub_* metric the Grafana dashboard queries."""
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    names = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names.update(re.findall(r"\b(pubsub_\w+)", target["expr"]))
    names.update(re.findall(r"\b(pubsub_\w+)",
                            json.dumps(dashboard["templating"])))
    return names


class DashboardTest(unittest.TestCase):
    def test_every_metric_the_dashboard_queries_is_served(self):
        names = dashboard_metrics()
        self.assertGreater(len(names), 10)
        redis = RedisServer()
        gw = Gateway(bus=redis.url)
        try:
            gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "ready")
            status, body = gw.request("GET", "/metrics")
            self.assertEqual(status, 200)
            served = set(re.findall(r"^(pubsub_\w+)", body, re.M))
        finally:
            gw.close()
            redis.close()
        # The cluster's own counters are served on a cluster bus (redis_cluster_test).
        missing = {n for n in names - served if not n.startswith("pubsub_redis_cluster_")}
        self.assertEqual(missing, set())


if __name__ == "__main__":
    unittest.main()
