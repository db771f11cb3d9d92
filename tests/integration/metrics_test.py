"""Per-event-type metrics on /metrics, scraped from a real gateway after known
events were published over HTTP and gRPC (and refused), delivered to
WebSocket clients, and dropped for a slow consumer."""

import asyncio
import json
import os
import re
import socket
import sys
import unittest

from harness import Gateway, RedisServer, mint_token, recv_json

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
        self.assertEqual(sample(m, "pubsub_events_received_total", **labels(b)), 3)
        self.assertEqual(sample(m, "pubsub_events_received_total", **labels(c)), 2)
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
                              channel="broadcasts")
            self.assertGreaterEqual(dropped, 16)  # the whole queue
            # Each event received while the client was there was either written or dropped.
            self.assertLessEqual(delivered + dropped, received)
            self.assertGreater(delivered, 0)
        finally:
            raw.close()


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
