"""History and recovery end to end (issue 11), with real processes: a real
redis-server, gateway replicas on the Redis bus, WebSocket clients that speak
the recovery protocol (?since=...), and faults: a client away while 1,000
events are published, a replica killed with SIGKILL while events flow, Redis
restarted with and without persistence, a position older than the history.

What clients see, event by event, is checked: every acknowledged event
exactly once, in order, or an explicit {"control":"recovery","recovered":false}
where history cannot fill a gap; never a silent gap."""

import asyncio
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import unittest

import websockets.exceptions

from harness import PUBLISHER_KEY, WAIT_SECONDS, Gateway, RedisServer, recv_json


def comment(track, i):
    return {"type": "new_comment", "track_id": str(track),
            "data": {"id": i, "content": f"c{i}", "author": "a", "timestamp": 1.5,
                     "created_at": "2026-11-25T10:00:00Z"}}


class Publisher:
    """Publishes over one keep-alive HTTP connection; returns ids acknowledged."""

    def __init__(self, gw):
        self.connection = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=WAIT_SECONDS)

    def publish(self, event, to=()):
        query = "&".join(f"to={u}" for u in to)
        self.connection.request("POST", "/api/publish" + (f"?{query}" if query else ""),
                                body=json.dumps(event),
                                headers={"Authorization": f"Bearer {PUBLISHER_KEY}",
                                         "Content-Type": "application/json"})
        response = self.connection.getresponse()
        body = response.read().decode()
        return response.status, body

    def close(self):
        self.connection.close()


class RecoveringClient:
    """A client of the recovery protocol: remembers its position and every
    frame it got, and reconnects with its position."""

    def __init__(self, path, user):
        self.path, self.user = path, user
        self.position = None
        self.frames = []  # every JSON frame, in order (controls included)
        self.ws = None

    async def connect(self, gw, since=None):
        since = since or self.position or "now"
        self.ws = await gw.connect(f"{self.path}?since={since}", user=self.user).__aenter__()
        control = await self.next()
        assert control.get("control") == "recovery", control
        return control

    async def next(self):
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT_SECONDS))
        self.frames.append(frame)
        if "position" in frame:
            self.position = frame["position"]
        return frame

    def events(self):
        return [f["event"] for f in self.frames if "event" in f]

    def controls(self):
        return [f for f in self.frames if "control" in f]

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


def seq_of(position):
    return int(position.rsplit(":", 1)[1])


class RecoveryTest(unittest.IsolatedAsyncioTestCase):
    redis_args = ()

    def setUp(self):
        self.redis = RedisServer(*self.redis_args)
        self.replicas = [Gateway(bus=self.redis.url) for _ in range(3)]
        for gw in self.replicas:
            self.wait_ready(gw)

    def tearDown(self):
        for gw in self.replicas:
            gw.close()
        self.redis.close()

    def wait_ready(self, gw):
        gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "replica ready")

    def publish_ok(self, via, event, to=()):
        status, body = via.publish(event, to=to)
        self.assertEqual(status, 202, body)

    async def test_a_client_that_was_away_gets_the_1000_events_it_missed_then_live_ones(self):
        r1, r2, _ = self.replicas
        client = RecoveringClient("/ws/comments/100", "ann")
        first = await client.connect(r1)
        self.assertTrue(first["recovered"])
        self.publish_ok(r2, comment(100, 0))
        self.assertEqual((await client.next())["event"], comment(100, 0))
        await client.close()

        publisher = Publisher(r2)
        for i in range(1, 1001):
            status, body = publisher.publish(comment(100, i))
            self.assertEqual(status, 202, body)
        publisher.close()

        again = await client.connect(r1)  # with its last position
        self.assertTrue(again["recovered"], again)
        self.assertEqual(seq_of(again["position"]), seq_of(client.frames[1]["position"]) + 1000)
        for i in range(1, 1001):
            frame = await client.next()
            self.assertEqual(frame["event"]["data"]["id"], i)
        self.publish_ok(r2, comment(100, 1001))
        self.assertEqual((await client.next())["event"]["data"]["id"], 1001)
        ids = [e["data"]["id"] for e in client.events()]
        self.assertEqual(ids, list(range(0, 1002)))  # each once, in order
        positions = [seq_of(f["position"]) for f in client.frames if "event" in f]
        self.assertEqual(positions, list(range(positions[0], positions[0] + 1002)))
        await client.close()

    async def test_a_backlog_larger_than_the_send_queue_is_paced_not_refused(self):
        # 1,000 missed events through a 64-frame send queue, with live events
        # arriving meanwhile: no 1013, each event once, in order.
        r2 = self.replicas[1]
        small = Gateway("--send-queue-frames", "64", bus=self.redis.url)
        try:
            self.wait_ready(small)
            client = RecoveringClient("/ws/comments/150", "pat")
            await client.connect(small)
            self.publish_ok(r2, comment(150, 0))
            await client.next()
            await client.close()
            publisher = Publisher(r2)
            for i in range(1, 1001):
                status, body = publisher.publish(comment(150, i))
                self.assertEqual(status, 202, body)
            control = await client.connect(small)
            self.assertTrue(control["recovered"], control)
            for i in range(1001, 1021):  # live, while the backlog goes out
                self.assertEqual(publisher.publish(comment(150, i))[0], 202)
            publisher.close()
            while len(client.events()) < 1021:
                await client.next()
            ids = [e["data"]["id"] for e in client.events()]
            self.assertEqual(ids, list(range(0, 1021)))
        finally:
            await client.close()
            small.close()

    async def test_a_replica_killed_mid_stream_loses_no_acknowledged_event(self):
        r1, r2, r3 = self.replicas
        clients = [RecoveringClient("/ws/comments/200", f"u{i}") for i in range(5)]
        for c in clients:
            await c.connect(r1)
        acked, stop = [], threading.Event()

        def publish_steadily():
            publisher = Publisher(r3)
            i = 0
            while not stop.is_set():
                status, _ = publisher.publish(comment(200, i))
                if status == 202:
                    acked.append(i)
                i += 1
                time.sleep(0.003)
            publisher.close()

        thread = threading.Thread(target=publish_steadily)
        thread.start()
        try:
            # Let events flow, then kill the replica the clients are on.
            await asyncio.gather(*(c.next() for c in clients))
            r1.process.send_signal(signal.SIGKILL)
            r1.process.wait()

            async def follow(c):
                try:
                    while True:
                        await c.next()
                except (websockets.exceptions.ConnectionClosed, ConnectionResetError):
                    pass
                control = await c.connect(r2)  # its last position
                self.assertTrue(control["recovered"], control)
                # Until the publisher has stopped and the client has everything.
                while not (stop.is_set() and acked and c.events() and
                           c.events()[-1]["data"]["id"] >= acked[-1]):
                    try:
                        await asyncio.wait_for(c.next(), 0.5)
                    except asyncio.TimeoutError:
                        pass

            async def stop_soon():
                await asyncio.sleep(1.0)
                stop.set()

            await asyncio.gather(stop_soon(), *(follow(c) for c in clients))
        finally:
            stop.set()
            thread.join()
        self.assertGreater(len(acked), 50)
        for c in clients:
            ids = [e["data"]["id"] for e in c.events()]
            self.assertEqual(len(ids), len(set(ids)), f"{c.user} got an event twice")
            self.assertEqual(ids, sorted(ids), f"{c.user} got events out of order")
            missing = set(acked) - set(ids)
            self.assertEqual(missing, set(), f"{c.user} missed acknowledged events")
            self.assertEqual([x for x in c.controls() if not x["recovered"]], [])
            await c.close()

    async def test_a_position_older_than_the_history_gets_what_is_kept_then_live(self):
        r1, r2, _ = self.replicas
        # book_requests keeps only the latest event of each user.
        client = RecoveringClient("/ws/book-requests", "alice")
        await client.connect(r1)
        update = {"type": "status_updated", "data": {"id": 1, "status": "pending", "message": ""}}
        self.publish_ok(r2, update, to=["alice"])
        await client.next()
        await client.close()
        for status in ("approved", "fulfilled"):
            self.publish_ok(r2, dict(update, data=dict(update["data"], status=status)),
                            to=["alice"])
        control = await client.connect(r1)
        self.assertFalse(control["recovered"])
        self.assertIn("no longer kept", control["reason"])
        # Not recovered, yet the latest state still kept comes first.
        self.assertEqual((await client.next())["event"]["data"]["status"], "fulfilled")
        self.publish_ok(r2, dict(update, data=dict(update["data"], status="rejected")),
                        to=["alice"])
        self.assertEqual((await client.next())["event"]["data"]["status"], "rejected")
        await client.close()

    async def test_plain_clients_still_get_the_seeds_json(self):
        r1, r2, _ = self.replicas
        async with r1.connect("/ws/comments/300", user="plain") as plain:
            self.publish_ok(r2, comment(300, 1))
            self.assertEqual(await recv_json(plain), comment(300, 1))


class RedisRestartWithoutPersistenceTest(RecoveryTest.__base__):
    async def test_a_lost_history_is_announced_with_the_new_epoch(self):
        self.redis = RedisServer()
        gw = Gateway(bus=self.redis.url)
        try:
            gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "ready")
            client = RecoveringClient("/ws/comments/400", "ann")
            await client.connect(gw)
            status, body = gw.publish(comment(400, 1))
            self.assertEqual(status, 202, body)
            before = (await client.next())["position"]

            self.redis.stop()
            self.redis.start()
            gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "ready again")
            # The replica catches up after resubscribing: history is gone.
            control = await client.next()
            self.assertEqual(control.get("control"), "recovery", control)
            self.assertFalse(control["recovered"])
            self.assertNotEqual(control["position"].split(":")[0], before.split(":")[0])
            status, body = gw.publish(comment(400, 2))
            self.assertEqual(status, 202, body)
            frame = await client.next()
            self.assertEqual(frame["event"]["data"]["id"], 2)
            self.assertEqual(frame["position"].split(":")[0], control["position"].split(":")[0])
            await client.close()
            # A client coming back with a position of the old epoch is told.
            late = RecoveringClient("/ws/comments/400", "bob")
            verdict = await late.connect(gw, since=before)
            self.assertFalse(verdict["recovered"])
            await late.close()
        finally:
            gw.close()
            self.redis.close()

    async def test_an_event_acknowledged_right_after_the_restart_is_delivered(self):
        # An event stored in the new epoch before the replica's subscription
        # is back (acknowledged to its publisher): only the replica's
        # catch-up read has it, and it must follow the announcement.
        self.redis = RedisServer()
        gw = Gateway(bus=self.redis.url)
        try:
            gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "ready")
            client = RecoveringClient("/ws/comments/401", "ann")
            await client.connect(gw)
            status, body = gw.publish(comment(401, 1))
            self.assertEqual(status, 202, body)
            await client.next()

            # The replica is paused so that the event is surely stored
            # before its subscription is back.
            gw.process.send_signal(signal.SIGSTOP)
            try:
                self.redis.stop()
                self.redis.start()
                published = subprocess.run(
                    [os.environ["PUBSUB_CLI"], "publish", "new_comment",
                     json.dumps(comment(401, 2)), "--redis", self.redis.url],
                    capture_output=True, text=True, timeout=30)
                self.assertEqual(published.returncode, 0, published.stderr)
            finally:
                gw.process.send_signal(signal.SIGCONT)
            control = await client.next()
            self.assertEqual(control.get("control"), "recovery", control)
            self.assertFalse(control["recovered"])
            frame = await client.next()
            self.assertEqual(frame["event"]["data"]["id"], 2, frame)
            self.assertEqual(frame["position"].split(":")[0], control["position"].split(":")[0])
            await client.close()
        finally:
            gw.close()
            self.redis.close()


class RedisRestartWithAofTest(RecoveryTest.__base__):
    async def test_with_aof_nothing_acknowledged_is_lost(self):
        self.redis = RedisServer("--appendonly", "yes", "--appendfsync", "always")
        gw = Gateway(bus=self.redis.url)
        try:
            gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "ready")
            client = RecoveringClient("/ws/comments/500", "ann")
            await client.connect(gw)
            status, body = gw.publish(comment(500, 1))
            self.assertEqual(status, 202, body)
            first = (await client.next())["position"]
            await client.close()
            status, body = gw.publish(comment(500, 2))
            self.assertEqual(status, 202, body)

            self.redis.stop()
            self.redis.start()
            gw.wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, "ready again")
            status, body = gw.publish(comment(500, 3))
            self.assertEqual(status, 202, body)
            verdict = await client.connect(gw, since=first)
            self.assertTrue(verdict["recovered"], verdict)
            ids = [(await client.next())["event"]["data"]["id"] for _ in range(2)]
            self.assertEqual(ids, [2, 3])
            await client.close()
        finally:
            gw.close()
            self.redis.close()


if __name__ == "__main__":
    unittest.main()
