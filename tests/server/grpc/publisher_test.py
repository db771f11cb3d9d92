"""End-to-end tests of the gRPC service pubsub.v1.Publisher: a real gateway
process started with --grpc-listen 127.0.0.1:0, Python grpcio clients with
stubs generated from schema/pubsub/publisher.proto, and Python websockets
clients that must receive exactly what browsers receive.

Issue 4, "Must show" 4: bad input gets exact status codes (unknown type,
mismatched JSON, missing scope, personal without target, missing/wrong key)."""

import asyncio
import json
import shutil
import unittest

import grpc

from grpc_harness import GrpcGateway, bearer, load_stubs
from harness import RedisServer, recv_json

stubs = load_stubs()
pb = stubs["publisher_pb2"]
pb_grpc = stubs["publisher_pb2_grpc"]
comments_pb2 = stubs["comments_pb2"]
broadcasts_pb2 = stubs["broadcasts_pb2"]

BROADCAST = {"type": "new_broadcast",
             "data": {"id": 1, "title": "Hi", "content": "Hello \u00e9\u2028\"x\"", "author": "ann",
                      "created_at": "2026-11-25T10:00:00Z"}}


def comment(track, comment_id, content="nice"):
    return {"type": "new_comment", "track_id": str(track),
            "data": {"id": comment_id, "content": content, "author": "ann", "timestamp": 12.5,
                     "created_at": "2026-11-25T10:00:00Z"}}


def json_request(event, type_=None, to=(), raw=None):
    return pb.PublishRequest(
        json=pb.JsonEvent(type=type_ or event["type"], json=raw if raw is not None else json.dumps(event)),
        target_user_ids=list(to))


def any_request(message, to=()):
    request = pb.PublishRequest(target_user_ids=list(to))
    request.message.Pack(message)
    return request


class PublisherServiceTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = GrpcGateway()
        cls.channel = cls.gw.channel()
        cls.stub = pb_grpc.PublisherStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        code = cls.gw.stop()
        cls.gw.close()
        assert code == 0, f"gateway exited with {code}"

    def publish(self, request, key_metadata=None):
        return self.stub.Publish(request, metadata=bearer() if key_metadata is None else key_metadata,
                                 timeout=20)

    def assert_refused(self, request, code, *fragments, metadata=None):
        with self.assertRaises(grpc.RpcError) as refused:
            self.publish(request, key_metadata=metadata)
        self.assertEqual(refused.exception.code(), code, refused.exception.details())
        for fragment in fragments:
            self.assertIn(fragment, refused.exception.details())
        return refused.exception.details()

    # --- Publish reaches clients ---

    async def test_json_event_reaches_client_with_exact_json(self):
        async with self.gw.connect("/ws/broadcasts", user="ann") as ws:
            reply = self.publish(json_request(BROADCAST))
            self.assertTrue(reply.event_id)
            raw = await asyncio.wait_for(ws.recv(), 20)
            self.assertEqual(json.loads(raw), BROADCAST)
            self.assertTrue(raw.startswith('{"type":"new_broadcast","data":{"id":1,'), raw)

    async def test_json_without_type_gets_it_from_the_request(self):
        async with self.gw.connect("/ws/comments/no-type", user="ann") as ws:
            event = comment("no-type", 3)
            without_type = {k: v for k, v in event.items() if k != "type"}
            self.publish(json_request(event, raw=json.dumps(without_type)))
            self.assertEqual(await recv_json(ws), event)

    async def test_packed_message_reaches_client_as_browser_json(self):
        message = comments_pb2.NewComment(track_id="42")
        message.data.id = 7
        message.data.content = "packed \u00e9"
        message.data.author = "ann"
        message.data.timestamp = 12.5
        message.data.created_at.FromJsonString("2026-11-25T10:00:00Z")
        async with self.gw.connect("/ws/comments/42", user="bob") as ws:
            reply = self.publish(any_request(message))
            self.assertTrue(reply.event_id)
            self.assertEqual(await recv_json(ws), comment(42, 7, "packed \u00e9"))

    async def test_targets_on_personal_and_broadcast_channels(self):
        async with self.gw.connect("/ws/notifications", user="alice") as alice, \
                self.gw.connect("/ws/notifications", user="bob") as bob, \
                self.gw.connect("/ws/broadcasts", user="g-ann") as ann, \
                self.gw.connect("/ws/broadcasts", user="g-cid") as cid:
            note = {"type": "private_message", "text": "for alice"}
            self.publish(json_request(note, to=["alice"]))
            self.publish(json_request({"type": "private_message", "text": "for bob"}, to=["bob"]))
            self.assertEqual(await recv_json(alice), note)
            self.assertEqual((await recv_json(bob))["text"], "for bob")
            targeted = dict(BROADCAST, data=dict(BROADCAST["data"], id=2))
            everyone = dict(BROADCAST, data=dict(BROADCAST["data"], id=3))
            self.publish(json_request(targeted, to=["g-cid"]))
            self.publish(json_request(everyone))
            self.assertEqual((await recv_json(cid))["data"]["id"], 2)
            self.assertEqual((await recv_json(ann))["data"]["id"], 3)  # never saw id 2
            self.assertEqual((await recv_json(cid))["data"]["id"], 3)

    # --- PublishStream ---

    async def test_stream_publishes_many_events_in_order(self):
        count = 500
        async with self.gw.connect("/ws/comments/bulk", user="ann") as ws:
            requests = [json_request(comment("bulk", i)) for i in range(count)]
            reply = await asyncio.to_thread(self.stub.PublishStream, iter(requests),
                                            metadata=bearer(), timeout=60)
            self.assertEqual(reply.accepted_count, count)
            self.assertEqual(len(reply.event_ids), count)
            self.assertTrue(all(reply.event_ids))
            self.assertEqual(len(set(reply.event_ids)), count)
            self.assertFalse(reply.HasField("failure"))
            for i in range(count):
                self.assertEqual(await recv_json(ws), comment("bulk", i))

    async def test_stream_mixes_json_and_packed_events(self):
        packed = comments_pb2.NewComment(track_id="mixed")
        packed.data.id = 2
        async with self.gw.connect("/ws/comments/mixed", user="ann") as ws:
            requests = [json_request(comment("mixed", 1)), any_request(packed),
                        json_request(comment("mixed", 3))]
            reply = self.stub.PublishStream(iter(requests), metadata=bearer(), timeout=20)
            self.assertEqual(reply.accepted_count, 3)
            self.assertEqual([(await recv_json(ws))["data"]["id"] for _ in range(3)], [1, 2, 3])

    async def test_stream_stops_at_the_first_refused_event(self):
        async with self.gw.connect("/ws/comments/stop", user="ann") as ws:
            requests = [json_request(comment("stop", 0)), json_request(comment("stop", 1)),
                        json_request(comment("stop", 2), type_="no_such_event"),
                        json_request(comment("stop", 3))]
            reply = self.stub.PublishStream(iter(requests), metadata=bearer(), timeout=20)
            self.assertEqual(reply.accepted_count, 2)
            self.assertEqual(len(reply.event_ids), 3)  # the refused one is the last handled
            self.assertTrue(reply.event_ids[0] and reply.event_ids[1])
            self.assertEqual(reply.event_ids[2], "")
            self.assertTrue(reply.HasField("failure"))
            self.assertEqual(reply.failure.index, 2)
            self.assertEqual(reply.failure.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
            self.assertIn("unknown event type", reply.failure.message)
            # Events 0 and 1 arrive; event 3 was never published: the next one is the marker.
            self.assertEqual((await recv_json(ws))["data"]["id"], 0)
            self.assertEqual((await recv_json(ws))["data"]["id"], 1)
            self.publish(json_request(comment("stop", 99)))
            self.assertEqual((await recv_json(ws))["data"]["id"], 99)

    def test_stream_length_is_bounded(self):
        # The reply lists every id: a stream carries at most 50,000 events, and
        # the job learns exactly where to start the next stream.
        limit = 50_000
        request = json_request(comment("long-stream", 1))
        reply = self.stub.PublishStream(iter([request] * (limit + 10)), metadata=bearer(),
                                        timeout=120)
        self.assertEqual(reply.accepted_count, limit)
        self.assertEqual(reply.failure.index, limit)
        self.assertEqual(reply.failure.code, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0])
        self.assertIn("new stream", reply.failure.message)
        self.assertEqual(len(reply.event_ids), limit + 1)
        self.assertTrue(all(reply.event_ids[:limit]))

    def test_empty_stream_is_fine(self):
        reply = self.stub.PublishStream(iter([]), metadata=bearer(), timeout=20)
        self.assertEqual(reply.accepted_count, 0)
        self.assertEqual(len(reply.event_ids), 0)
        self.assertFalse(reply.HasField("failure"))

    # --- Bad input: exact status codes, messages that name the problem ---

    def test_unknown_type(self):
        self.assert_refused(json_request(BROADCAST, type_="no_such_event"),
                            grpc.StatusCode.INVALID_ARGUMENT, "unknown event type", "no_such_event")

    def test_json_whose_type_differs(self):
        self.assert_refused(json_request(BROADCAST, type_="new_comment"),
                            grpc.StatusCode.INVALID_ARGUMENT,
                            '"type" is "new_broadcast", but type is "new_comment"')

    def test_json_that_does_not_match_the_type(self):
        wrong_kind = dict(BROADCAST, data=dict(BROADCAST["data"], id="seven"))
        self.assert_refused(json_request(wrong_kind), grpc.StatusCode.INVALID_ARGUMENT, "data.id")
        unknown_field = dict(BROADCAST, colour="red")
        self.assert_refused(json_request(unknown_field), grpc.StatusCode.INVALID_ARGUMENT, "colour")
        self.assert_refused(json_request(BROADCAST, raw='{"data": '), grpc.StatusCode.INVALID_ARGUMENT)

    def test_missing_scope(self):
        event = comment("", 1)
        self.assert_refused(json_request(event), grpc.StatusCode.INVALID_ARGUMENT, "track_id")
        self.assert_refused(any_request(comments_pb2.NewComment()), grpc.StatusCode.INVALID_ARGUMENT,
                            "track_id")

    def test_personal_channel_without_target(self):
        self.assert_refused(json_request({"type": "private_message", "text": "to nobody"}),
                            grpc.StatusCode.INVALID_ARGUMENT, "personal channel", "target")

    def test_empty_target_user_id(self):
        self.assert_refused(json_request(BROADCAST, to=["ann", ""]), grpc.StatusCode.INVALID_ARGUMENT,
                            "target user id is empty")

    def test_packed_message_that_is_not_an_event(self):
        self.assert_refused(any_request(broadcasts_pb2.BroadcastData(id=1)),
                            grpc.StatusCode.INVALID_ARGUMENT, "sample.BroadcastData",
                            "not the message of a registered event type")

    def test_request_without_event(self):
        self.assert_refused(pb.PublishRequest(), grpc.StatusCode.INVALID_ARGUMENT, "event")

    def test_missing_key(self):
        self.assert_refused(json_request(BROADCAST), grpc.StatusCode.UNAUTHENTICATED,
                            "missing publisher key", metadata=[])

    def test_wrong_key(self):
        self.assert_refused(json_request(BROADCAST), grpc.StatusCode.UNAUTHENTICATED,
                            "wrong publisher key", metadata=bearer("not-the-key"))
        self.assert_refused(json_request(BROADCAST), grpc.StatusCode.UNAUTHENTICATED,
                            metadata=[("authorization", "Basic Zm9vOmJhcg==")])

    def test_stream_with_wrong_key(self):
        with self.assertRaises(grpc.RpcError) as refused:
            self.stub.PublishStream(iter([json_request(BROADCAST)]), metadata=bearer("nope"),
                                    timeout=20)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_oversized_event(self):
        huge = dict(BROADCAST, data=dict(BROADCAST["data"], content="x" * (2 << 20)))
        with self.assertRaises(grpc.RpcError) as refused:
            self.publish(json_request(huge))
        self.assertIn(refused.exception.code(),
                      (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED))


class KeyPolicyTest(unittest.TestCase):
    """Without a publisher key, only a --dev-auth gateway accepts publishes."""

    def test_no_key_in_jwt_mode_is_permission_denied(self):
        gw = GrpcGateway(publisher_key=None, jwt=True)
        try:
            with gw.channel() as channel:
                stub = pb_grpc.PublisherStub(channel)
                with self.assertRaises(grpc.RpcError) as refused:
                    stub.Publish(json_request(BROADCAST), metadata=bearer(), timeout=20)
                self.assertEqual(refused.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
                self.assertIn("--publisher-key-file", refused.exception.details())
        finally:
            code = gw.stop()
            gw.close()
            self.assertEqual(code, 0)

    def test_no_key_in_dev_auth_mode_publishes(self):
        gw = GrpcGateway(publisher_key=None, jwt=False)
        try:
            with gw.channel() as channel:
                stub = pb_grpc.PublisherStub(channel)
                self.assertTrue(stub.Publish(json_request(BROADCAST), timeout=20).event_id)
        finally:
            code = gw.stop()
            gw.close()
            self.assertEqual(code, 0)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class RedisStreamTest(unittest.IsolatedAsyncioTestCase):
    """On the Redis bus publishes complete asynchronously, so a stream keeps
    many events in flight: order and the reply's ids must still be exact."""

    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.gw = GrpcGateway(bus=cls.redis.url)
        cls.gw.wait_for(lambda: cls.gw.request("GET", "/readyz")[0] == 200, "gateway ready")

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.redis.close()

    async def test_stream_keeps_order_with_events_in_flight(self):
        count = 3000
        with self.gw.channel() as channel:
            stub = pb_grpc.PublisherStub(channel)
            async with self.gw.connect("/ws/comments/redis-bulk", user="ann") as ws, \
                    self.gw.connect("/ws/notifications", user="bulk-user") as personal:
                requests = []
                for i in range(count):
                    requests.append(json_request(comment("redis-bulk", i)))
                    if i % 100 == 0:
                        requests.append(json_request({"type": "private_message", "text": str(i)},
                                                     to=["bulk-user", "nobody"]))
                reply = await asyncio.to_thread(stub.PublishStream, iter(requests),
                                                metadata=bearer(), timeout=120)
                self.assertFalse(reply.HasField("failure"), reply.failure)
                self.assertEqual(reply.accepted_count, len(requests))
                self.assertEqual(len(reply.event_ids), len(requests))
                self.assertEqual(len(set(reply.event_ids)), len(requests))
                for i in range(count):
                    self.assertEqual((await recv_json(ws))["data"]["id"], i)
                for i in range(0, count, 100):
                    self.assertEqual((await recv_json(personal))["text"], str(i))

    def test_refused_event_mid_stream_with_events_in_flight(self):
        with self.gw.channel() as channel:
            stub = pb_grpc.PublisherStub(channel)
            requests = [json_request(comment("redis-stop", i)) for i in range(1000)]
            requests.insert(600, json_request({"type": "private_message", "text": "no target"}))
            reply = stub.PublishStream(iter(requests), metadata=bearer(), timeout=120)
            self.assertEqual(reply.failure.index, 600)
            self.assertEqual(reply.failure.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
            self.assertEqual(reply.accepted_count, 600)
            self.assertEqual(len(reply.event_ids), 601)
            self.assertTrue(all(reply.event_ids[:600]))
            self.assertEqual(reply.event_ids[600], "")


class BusDownTest(unittest.TestCase):
    """A gateway whose Redis is unreachable: publishing is UNAVAILABLE, never a false success."""

    def test_unreachable_redis_is_unavailable(self):
        from harness import free_port
        gw = GrpcGateway(bus=f"redis://127.0.0.1:{free_port()}")
        try:
            with gw.channel() as channel:
                stub = pb_grpc.PublisherStub(channel)
                with self.assertRaises(grpc.RpcError) as refused:
                    stub.Publish(json_request(BROADCAST), metadata=bearer(), timeout=20)
                self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE,
                                 refused.exception.details())
                reply = stub.PublishStream(iter([json_request(BROADCAST)]), metadata=bearer(),
                                           timeout=20)
                self.assertEqual(reply.accepted_count, 0)
                self.assertEqual(reply.failure.code, grpc.StatusCode.UNAVAILABLE.value[0])
        finally:
            code = gw.stop()
            gw.close()
            self.assertEqual(code, 0)


if __name__ == "__main__":
    unittest.main()
