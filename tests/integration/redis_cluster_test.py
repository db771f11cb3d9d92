"""The gateway on a real Redis Cluster (3 masters, 1 replica each): three
gateway replicas with --bus redis-cluster://..., WebSocket clients, events
published through any replica; then a master killed with SIGKILL and a slot
resharded with redis-cli while events flow. What every client received is
checked event by event."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import unittest

import recovery_test as rt
from harness import PUBLISHER_KEY, Gateway, RedisCluster, recv_json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "grpc"))
from grpc_harness import GrpcGateway, bearer, load_stubs  # noqa: E402

CLI = os.environ.get("PUBSUB_CLI", "pubsub")

PREFIX = "pubsub:"


def fnv1a(text):
    h = 2166136261
    for byte in text.encode():
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def crc16(data):
    """CRC16/XMODEM, as Redis Cluster hashes keys."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def shard_channel(topic):
    """The topic's shard channel: PREFIX{H}topic, H = FNV-1a of the topic."""
    return f"{PREFIX}{{{fnv1a(topic):08x}}}{topic}"


def slot_of(topic):
    return crc16(f"{fnv1a(topic):08x}".encode()) % 16384


def shard_subscribers(cluster, port, topic):
    lines = cluster.cli(port, "PUBSUB", "SHARDNUMSUB", shard_channel(topic)).split()
    return int(lines[1]) if len(lines) == 2 else -1


class ClusterTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.cluster = RedisCluster()
        try:
            # Replica 0 serves gRPC too.
            self.replicas = [GrpcGateway(bus=self.cluster.url)] + \
                [Gateway(bus=self.cluster.url) for _ in range(2)]
            for gw in self.replicas:
                gw.wait_for(lambda gw=gw: gw.request("GET", "/readyz")[0] == 200,
                            "replica ready")
        except BaseException:
            self.cluster.close()
            raise

    def tearDown(self):
        for gw in self.replicas:
            gw.close()
        self.cluster.close()

    def tracks_on(self, masters, first=0, where=None):
        """A track id per master whose comments topic that master serves."""
        chosen = {}
        track = first
        while len(chosen) < len(masters):
            topic = f"track_comments:{track}"
            slot = slot_of(topic)
            owner = self.cluster.master_of_slot(slot)
            if owner in masters and owner not in chosen and (where is None or where(slot)):
                chosen[owner] = track
            track += 1
        return [chosen[m] for m in masters]

    def publish_ok(self, via, event, to=()):
        status, body = via.publish(event, to=to)
        self.assertEqual(status, 202, body)

    async def test_events_through_any_replica_reach_the_right_clients_on_every_shard(self):
        masters = self.cluster.masters()
        self.assertEqual(len(masters), 3)
        tracks = self.tracks_on(masters)
        clients = {}  # (replica index, track) -> websocket
        for i, gw in enumerate(self.replicas):
            for track in tracks:
                ws = await gw.connect(f"/ws/comments/{track}", user=f"u{i}").__aenter__()
                clients[(i, track)] = ws
        alice = [await gw.connect("/ws/notifications", user="alice").__aenter__()
                 for gw in self.replicas]

        # Each event through another replica; every client of its track gets it.
        for n, track in enumerate(tracks):
            via = self.replicas[n % 3]
            self.publish_ok(via, rt.comment(track, n))
        for (i, track), ws in clients.items():
            got = await recv_json(ws)
            self.assertEqual(got["track_id"], str(track), (i, track))
            self.assertEqual(got["data"]["id"], tracks.index(track))
        notice = {"type": "private_message", "text": "hi"}
        self.publish_ok(self.replicas[2], notice, to=["alice"])
        for ws in alice:
            self.assertEqual((await recv_json(ws))["type"], "private_message")

        # A worker over gRPC (through replica 0), and the CLI straight to the
        # cluster, as a C++ service would.
        stubs = load_stubs()
        pb, rpc = stubs["publisher_pb2"], stubs["publisher_pb2_grpc"]
        with self.replicas[0].channel() as channel:
            rpc.PublisherStub(channel).Publish(pb.PublishRequest(json=pb.JsonEvent(
                type="new_comment", json=json.dumps(rt.comment(tracks[1], 100)))),
                metadata=bearer())
        done = subprocess.run([CLI, "publish", "new_comment", json.dumps(rt.comment(tracks[2], 200)),
                               "--redis", self.cluster.url], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        for i in range(3):
            self.assertEqual((await recv_json(clients[(i, tracks[1])]))["data"]["id"], 100)
            self.assertEqual((await recv_json(clients[(i, tracks[2])]))["data"]["id"], 200)

        # Targets: an event for u1 only, on every shard.
        for n, track in enumerate(tracks):
            self.publish_ok(self.replicas[n % 3], rt.comment(track, 300 + n), to=["u1"])
        for n, track in enumerate(tracks):
            self.assertEqual((await recv_json(clients[(1, track)]))["data"]["id"], 300 + n)
        for (i, track), ws in clients.items():
            if i != 1:
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(ws.recv(), 0.2)

        # The History API reads each topic's history from its shard.
        for n, track in enumerate(tracks):
            status, body = self.replicas[(n + 1) % 3].request(
                "GET", f"/api/history/ws/comments/{track}",
                headers={"Authorization": f"Bearer {PUBLISHER_KEY}"})
            self.assertEqual(status, 200, body)
            ids = [e["event"]["data"]["id"] for e in json.loads(body)["events"]]
            self.assertEqual(ids, [n] + {1: [100], 2: [200]}.get(n, []) + [300 + n])

        # The cluster bus's counters are on /metrics (the dashboard uses them).
        status, body = self.replicas[0].request("GET", "/metrics")
        self.assertIn("pubsub_redis_cluster_masters 3", body)
        self.assertIn("pubsub_redis_cluster_redirections_total", body)

        # Each shard holds only its own topics: 3 subscribers (one per gateway)
        # on the owner, none elsewhere.
        for m, master in enumerate(masters):
            for t, track in enumerate(tracks):
                self.assertEqual(shard_subscribers(self.cluster, master, f"track_comments:{track}"),
                                 3 if m == t else 0, (master, track))
        for ws in list(clients.values()) + alice:
            await ws.close()

    async def test_cluster_wide_presence_follows_connects_disconnects_and_a_killed_gateway(self):
        g = self.replicas

        def settles(expected, user="ann"):
            """Every gateway reports `expected` (a subset of /api/stats) for the cluster."""
            def check():
                for gw in g:
                    if gw.process.poll() is not None:
                        continue
                    stats = gw.stats(user, scope="cluster")
                    if any(stats.get(k) != v for k, v in expected.items()):
                        return False
                return True
            started = time.monotonic()
            g[0].wait_for(check, f"cluster stats {expected}")
            return time.monotonic() - started

        sockets = [await g[0].connect("/ws/broadcasts", user="ann").__aenter__(),
                   await g[0].connect("/ws/broadcasts", user="ann").__aenter__(),
                   await g[1].connect("/ws/broadcasts", user="ann").__aenter__(),
                   await g[1].connect("/ws/broadcasts", user="bob").__aenter__(),
                   await g[2].connect("/ws/broadcasts", user="cat").__aenter__()]
        settles({"scope": "cluster", "replicas": 3, "connections": 5, "users": 3,
                 "users_exact": True, "connected": True, "user_connections": 3})
        # Each replica alone still knows only its own.
        self.assertEqual(g[1].stats("ann")["user_connections"], 1)
        self.assertEqual(g[1].stats()["scope"], "replica")

        await sockets[2].close()  # ann's tab on replica 1
        settles({"connections": 4, "users": 3, "user_connections": 2})
        await sockets[0].close()
        await sockets[1].close()  # ann is gone everywhere
        settles({"connections": 2, "users": 2, "connected": False, "user_connections": 0})

        # SIGKILL: replica 2 cannot withdraw its share; it expires.
        g[2].process.kill()
        g[2].process.wait()
        took = settles({"replicas": 2, "connections": 1, "users": 1}, user="cat")
        print(f"a killed replica dropped out of the totals after {took:.1f} s")
        self.assertLess(took, 5 + 1 + 2)  # share expiry + one heartbeat + query slack
        self.assertFalse(g[0].stats("cat", scope="cluster")["connected"])
        # A replica that stops cleanly withdraws its share at once.
        g[1].stop()
        settles({"replicas": 1, "connections": 0, "users": 0}, user="bob")

    def steady_publisher(self, via, track, acked, stop, interval=0.005):
        """Publishes comments to `track` until `stop`; `acked` gets the ids
        acknowledged (202), in order."""
        def run():
            publisher = rt.Publisher(via)
            i = 0
            while not stop.is_set():
                try:
                    status, _ = publisher.publish(rt.comment(track, i))
                except OSError:
                    publisher.close()
                    publisher = rt.Publisher(via)
                    status = 0
                if status == 202:
                    acked.append((i, time.monotonic()))
                i += 1
                time.sleep(interval)
            publisher.close()
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    async def follow(self, clients, acked, stop):
        """Reads every client until the publisher stopped and each has the
        last acknowledged event (or a long quiet)."""
        async def one(c):
            quiet_since = time.monotonic()
            while True:
                done = stop.is_set() and acked and c.events() and \
                    c.events()[-1]["data"]["id"] >= acked[-1][0]
                if done or time.monotonic() - quiet_since > 30:
                    return
                try:
                    await asyncio.wait_for(c.next(), 0.5)
                    quiet_since = time.monotonic()
                except asyncio.TimeoutError:
                    pass
        await asyncio.gather(*(one(c) for c in clients))

    def check_clients(self, clients, acked):
        """Each client: no event twice, in order, and every acknowledged event,
        unless it was told it did not recover (the cluster lost events)."""
        for c in clients:
            ids = [e["data"]["id"] for e in c.events()]
            self.assertEqual(len(ids), len(set(ids)), f"{c.user} got an event twice")
            self.assertEqual(ids, sorted(ids), f"{c.user} got events out of order")
            not_recovered = [x for x in c.controls() if not x["recovered"]]
            missing = sorted({i for i, _ in acked} - set(ids))
            if not_recovered:
                print(f"{c.user}: told {not_recovered}; missing {len(missing)} acknowledged")
            else:
                self.assertEqual(missing, [], f"{c.user} silently missed acknowledged events")

    async def test_a_master_killed_while_events_flow(self):
        masters = self.cluster.masters()
        victim = masters[0]
        track = self.tracks_on([victim])[0]
        clients = [rt.RecoveringClient(f"/ws/comments/{track}", f"u{i}") for i in range(6)]
        for i, c in enumerate(clients):
            self.assertTrue((await c.connect(self.replicas[i % 3]))["recovered"])
        acked, stop = [], threading.Event()
        thread = self.steady_publisher(self.replicas[2], track, acked, stop)
        try:
            await asyncio.gather(*(c.next() for c in clients))
            killed_at = time.monotonic()
            self.cluster.kill_master(victim)
            # Like one Redis that is down: not ready while a slot has no master.
            readyz = lambda: self.replicas[1].request("GET", "/readyz")[0]  # noqa: E731
            self.replicas[1].wait_for(lambda: readyz() == 503, "/readyz 503 during the failover")
            failover = self.cluster.wait_for_failover()
            self.replicas[1].wait_for(lambda: readyz() == 200, "/readyz 200 after the failover")
            print(f"failover took {failover:.1f} s")

            async def stop_later():
                # Until events are acknowledged again after the failover.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if sum(1 for _, t in acked if t > killed_at + failover) >= 50:
                        break
                    await asyncio.sleep(0.1)
                stop.set()
            await asyncio.gather(stop_later(), self.follow(clients, acked, stop))
        finally:
            stop.set()
            thread.join()
        after = [i for i, t in acked if t > killed_at + failover]
        self.assertGreaterEqual(len(after), 50, "publishing did not resume after the failover")
        print(f"acknowledged {len(acked)} events, {len(after)} after the failover; "
              f"refused meanwhile: {max(i for i, _ in acked) + 1 - len(acked)}")
        self.check_clients(clients, acked)
        for c in clients:
            await c.close()

    async def test_a_slot_resharded_with_redis_cli_while_events_flow(self):
        masters = self.cluster.masters()
        source, target = masters[0], masters[1]
        # redis-cli moves the source's lowest slots first: a track among them.
        first = min(a for (a, _), owner in self.cluster.slot_map(source).items()
                    if owner == source)
        track = self.tracks_on([source], where=lambda slot: first <= slot < first + 50)[0]
        slot = slot_of(f"track_comments:{track}")
        clients = [rt.RecoveringClient(f"/ws/comments/{track}", f"u{i}") for i in range(3)]
        plain = []
        for i, c in enumerate(clients):
            await c.connect(self.replicas[i])
        for gw in self.replicas:
            plain.append(await gw.connect(f"/ws/comments/{track}", user="plain").__aenter__())
        acked, stop = [], threading.Event()
        thread = self.steady_publisher(self.replicas[0], track, acked, stop)
        try:
            await asyncio.gather(*(c.next() for c in clients))
            resharded_at = time.monotonic()
            await asyncio.to_thread(self.cluster.reshard, source, target, count=50)
            done_at = time.monotonic()
            self.assertEqual(self.cluster.master_of_slot(slot), target)

            async def stop_later():
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if sum(1 for _, t in acked if t > done_at) >= 50:
                        break
                    await asyncio.sleep(0.1)
                stop.set()
            await asyncio.gather(stop_later(), self.follow(clients, acked, stop))
        finally:
            stop.set()
            thread.join()
        print(f"resharding took {done_at - resharded_at:.1f} s; acknowledged {len(acked)}")
        self.assertGreaterEqual(sum(1 for _, t in acked if t > done_at), 50)
        self.check_clients(clients, acked)
        for c in clients:
            self.assertEqual([x for x in c.controls() if not x["recovered"]], [])
        # The subscriptions followed the slot.
        topic = f"track_comments:{track}"
        self.assertEqual(shard_subscribers(self.cluster, target, topic), 3)
        self.assertEqual(shard_subscribers(self.cluster, source, topic), 0)
        # Plain clients got every acknowledged event too, in order.
        for ws in plain:
            ids = []
            try:
                while True:
                    ids.append((await asyncio.wait_for(recv_json(ws), 1.0))["data"]["id"])
            except asyncio.TimeoutError:
                pass
            self.assertEqual(ids, sorted(set(ids)))
            self.assertEqual(sorted({i for i, _ in acked} - set(ids)), [])
            await ws.close()
        for c in clients:
            await c.close()


if __name__ == "__main__":
    unittest.main()
