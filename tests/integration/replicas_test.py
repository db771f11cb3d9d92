"""The seed's multi-replica scenario (issue 4, "Must show" 1-3): a real
redis-server and three gateway processes; clients on every replica; events
published through one replica reach every client they are owed on all three;
a Redis restart is survived; a replica subscribes to a topic on Redis only
while one of its clients needs it."""

import asyncio
import json
import os
import subprocess
import sys
import unittest

import websockets.exceptions

from harness import Gateway, RedisServer, recv_json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "grpc"))
from grpc_harness import GrpcGateway, bearer, load_stubs  # noqa: E402

CLI = os.environ.get("PUBSUB_CLI", "pubsub")


def broadcast(i):
    return {"type": "new_broadcast",
            "data": {"id": i, "title": "t", "content": "c", "author": "a",
                     "created_at": "2026-11-25T10:00:00Z"}}


def comment(track, i):
    return {"type": "new_comment", "track_id": str(track),
            "data": {"id": i, "content": "c", "author": "a", "timestamp": 1.5,
                     "created_at": "2026-11-25T10:00:00Z"}}


class ReplicasTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.redis = RedisServer()
        # Replica 1 also serves gRPC, for workers.
        self.replicas = [GrpcGateway(bus=self.redis.url)]
        self.replicas += [Gateway(bus=self.redis.url) for _ in range(2)]
        for gw in self.replicas:
            gw.wait_for(lambda gw=gw: gw.request("GET", "/readyz")[0] == 200, "replica ready")

    def tearDown(self):
        for gw in self.replicas:
            gw.close()
        self.redis.close()

    def publish_ok(self, via, event, to=()):
        status, body = via.publish(event, to=to)
        self.assertEqual(status, 202, body)

    async def test_publish_through_one_replica_reaches_clients_on_all(self):
        r1, r2, r3 = self.replicas
        async with r1.connect("/ws/broadcasts", user="a1") as b1, \
                r2.connect("/ws/broadcasts", user="a2") as b2, \
                r3.connect("/ws/broadcasts", user="a3") as b3, \
                r1.connect("/ws/comments/1", user="c1") as track1_r1, \
                r3.connect("/ws/comments/1", user="c3") as track1_r3, \
                r2.connect("/ws/comments/2", user="c2") as track2_r2, \
                r2.connect("/ws/notifications", user="alice") as alice_r2, \
                r3.connect("/ws/notifications", user="alice") as alice_r3, \
                r1.connect("/ws/notifications", user="bob") as bob_r1, \
                r3.connect("/ws/book-requests/admin", user="boss", roles=["creator"]) as admin:
            self.publish_ok(r1, broadcast(1))
            for ws in (b1, b2, b3):
                self.assertEqual(await recv_json(ws), broadcast(1))

            # Scopes hold across replicas.
            self.publish_ok(r2, comment(1, 10))
            self.publish_ok(r2, comment(2, 20))
            self.assertEqual(await recv_json(track1_r1), comment(1, 10))
            self.assertEqual(await recv_json(track1_r3), comment(1, 10))
            self.assertEqual(await recv_json(track2_r2), comment(2, 20))

            # send_to_user through replica 1 reaches alice's sockets on 2 and 3, not bob.
            for_alice = {"type": "private_message", "text": "hi alice"}
            for_bob = {"type": "private_message", "text": "hi bob"}
            self.publish_ok(r1, for_alice, to=["alice"])
            self.publish_ok(r1, for_bob, to=["bob"])
            self.assertEqual(await recv_json(alice_r2), for_alice)
            self.assertEqual(await recv_json(alice_r3), for_alice)
            self.assertEqual(await recv_json(bob_r1), for_bob)

            # The admin channel, published on replica 1, reaches the creator on 3.
            request = {"type": "request_updated", "data": {"id": 4, "status": "fulfilled"}}
            self.publish_ok(r1, request)
            self.assertEqual(await recv_json(admin), request)

            # Targeted broadcast across replicas.
            self.publish_ok(r3, broadcast(2), to=["a2"])
            self.publish_ok(r3, broadcast(3))
            self.assertEqual((await recv_json(b2))["data"]["id"], 2)
            self.assertEqual((await recv_json(b1))["data"]["id"], 3)
            self.assertEqual((await recv_json(b3))["data"]["id"], 3)

        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
            async with r3.connect("/ws/book-requests/admin", user="plain"):
                pass
        self.assertEqual(refused.exception.status_code, 403)

    async def test_grpc_and_cli_publishes_reach_every_replica(self):
        r1, r2, r3 = self.replicas
        stubs = load_stubs()
        pb, rpc = stubs["publisher_pb2"], stubs["publisher_pb2_grpc"]
        async with r1.connect("/ws/broadcasts", user="a1") as b1, \
                r2.connect("/ws/broadcasts", user="a2") as b2, \
                r3.connect("/ws/broadcasts", user="a3") as b3, \
                r3.connect("/ws/notifications", user="alice") as alice:
            # A worker with grpcio publishes through replica 1's gRPC port: JSON ...
            with r1.channel() as channel:
                stub = rpc.PublisherStub(channel)
                reply = stub.Publish(pb.PublishRequest(json=pb.JsonEvent(
                    type="new_broadcast", json=json.dumps(broadcast(1)))), metadata=bearer())
                self.assertTrue(reply.event_id)
                # ... and a typed protobuf message, to one user on another replica.
                message = stubs["notifications_pb2"].PrivateMessage(text="typed, for alice")
                request = pb.PublishRequest(target_user_ids=["alice"])
                request.message.Pack(message)
                stub.Publish(request, metadata=bearer())
            for ws in (b1, b2, b3):
                self.assertEqual(await recv_json(ws), broadcast(1))
            self.assertEqual(await recv_json(alice),
                             {"type": "private_message", "text": "typed, for alice"})

            # The CLI publishes through replica 1's gRPC port and straight to Redis.
            key_file = os.path.join(r1.dir.name, "publisher-key")
            for route in (["--grpc", r1.grpc_target, "--key-file", key_file],
                          ["--redis", self.redis.url]):
                i = 2 if route[0] == "--grpc" else 3
                done = subprocess.run([CLI, "publish", "new_broadcast",
                                       json.dumps(broadcast(i)), *route],
                                      capture_output=True, text=True, timeout=30)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertTrue(done.stdout.strip())  # the event id
                for ws in (b1, b2, b3):
                    self.assertEqual(await recv_json(ws), broadcast(i))

    async def test_redis_restart_is_survived(self):
        r1, r2, r3 = self.replicas
        async with r1.connect("/ws/broadcasts", user="a1") as b1, \
                r2.connect("/ws/broadcasts", user="a2") as b2, \
                r3.connect("/ws/comments/9", user="a3") as c3:
            self.publish_ok(r1, broadcast(1))
            self.assertEqual(await recv_json(b1), broadcast(1))
            self.assertEqual(await recv_json(b2), broadcast(1))

            self.redis.stop()
            for gw in self.replicas:
                gw.wait_for(lambda gw=gw: gw.request("GET", "/readyz")[0] == 503, "not ready")
            # While Redis is down: an error, never a false success.
            status, body = r1.publish(broadcast(2))
            self.assertEqual(status, 503, body)
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                async with r2.connect("/ws/broadcasts", user="late"):
                    pass
            self.assertEqual(refused.exception.status_code, 503)
            self.assertTrue(all(gw.alive() for gw in self.replicas))

            self.redis.start()
            for gw in self.replicas:
                gw.wait_for(lambda gw=gw: gw.request("GET", "/readyz")[0] == 200, "ready again")
            self.publish_ok(r3, broadcast(3))
            self.publish_ok(r3, comment(9, 90))
            self.assertEqual(await recv_json(b1), broadcast(3))
            self.assertEqual(await recv_json(b2), broadcast(3))
            self.assertEqual(await recv_json(c3), comment(9, 90))
            self.assertGreaterEqual(r1.metric("pubsub_redis_dropped_connections_total"), 1)

    async def test_redis_dropping_a_subscriber_is_noticed_and_repaired(self):
        r1, r2, _ = self.replicas
        async with r1.connect("/ws/broadcasts", user="a1") as b1:
            # What Redis does to a subscriber over client-output-buffer-limit.
            self.redis.cli("CLIENT", "KILL", "TYPE", "pubsub")
            r1.wait_for(lambda: r1.metric("pubsub_redis_dropped_connections_total") >= 1,
                        "the dropped subscriber connection to be counted")
            r1.wait_for(lambda: r1.request("GET", "/readyz")[0] == 200, "resubscribed")
            r1.wait_for(lambda: self.redis.numsub("pubsub:broadcasts") == 1, "resubscribed")
            self.publish_ok(r2, broadcast(5))
            self.assertEqual(await recv_json(b1), broadcast(5))

    async def test_a_replica_receives_only_topics_its_clients_need(self):
        r1, r2, r3 = self.replicas
        channel = "pubsub:track_comments:77"
        self.assertEqual(self.redis.numsub(channel), 0)
        async with r1.connect("/ws/comments/77", user="x") as first, \
                r1.connect("/ws/comments/77", user="y"), \
                r3.connect("/ws/comments/77", user="z"):
            # One Redis subscription per replica that has clients, whatever their number.
            self.assertEqual(self.redis.numsub(channel), 2)
            events_in_r2 = r2.metric("pubsub_events_in_total")
            self.publish_ok(r2, comment(77, 1))
            self.assertEqual(await recv_json(first), comment(77, 1))
            self.assertEqual(r2.metric("pubsub_events_in_total"), events_in_r2)
        r1.wait_for(lambda: self.redis.numsub(channel) == 0, "unsubscribe after the last client")


class RedisAuthTest(unittest.IsolatedAsyncioTestCase):
    async def test_password_from_a_file_and_never_in_the_logs(self):
        password = "s3cret-redis-password"
        redis = RedisServer("--requirepass", password)
        good = bad = None
        try:
            good_file = os.path.join(redis.dir.name, "password")
            bad_file = os.path.join(redis.dir.name, "wrong")
            with open(good_file, "w") as f:
                f.write(password + "\n")
            with open(bad_file, "w") as f:
                f.write("wrong-password\n")
            good = Gateway("--redis-password-file", good_file, bus=redis.url)
            bad = Gateway("--redis-password-file", bad_file, bus=redis.url)
            good.wait_for(lambda: good.request("GET", "/readyz")[0] == 200, "authenticated")
            async with good.connect("/ws/broadcasts", user="a") as ws:
                self.assertEqual(good.publish(broadcast(1))[0], 202)
                self.assertEqual(await recv_json(ws), broadcast(1))
            # A wrong password keeps the replica not ready; publishing says so.
            self.assertEqual(bad.request("GET", "/readyz")[0], 503)
            self.assertEqual(bad.publish(broadcast(2))[0], 503)
            for gw in (good, bad):
                self.assertNotIn(password, gw.logs())
        finally:
            for gw in (good, bad):
                if gw:
                    gw.close()
            redis.close()


if __name__ == "__main__":
    unittest.main()
