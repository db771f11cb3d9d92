"""The History API end to end (issue 11): a gateway on a real redis-server,
events published over HTTP, and the same history read back over HTTP
(GET /api/history/<WebSocket path>) and gRPC (Publisher.History) by a real
grpcio client: pages after a position, personal topics, refusals, and a
position from before a Redis restart without persistence, which is reported
as not continuable rather than silently skipped."""

import json
import os
import sys
import unittest
import urllib.parse

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "grpc"))

from grpc_harness import GrpcGateway, bearer, load_stubs  # noqa: E402
from harness import PUBLISHER_KEY, RedisServer  # noqa: E402

KEY = {"Authorization": f"Bearer {PUBLISHER_KEY}"}


def comment(track, i):
    return {"type": "new_comment", "track_id": str(track),
            "data": {"id": i, "content": f"c{i}", "author": "a", "timestamp": 1.5,
                     "created_at": "2026-11-25T10:00:00Z"}}


class HistoryApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = load_stubs()

    def setUp(self):
        self.redis = RedisServer()
        self.gw = GrpcGateway(bus=self.redis.url)
        self.gw.wait_for(lambda: self.gw.request("GET", "/readyz")[0] == 200, "ready")
        self.channel = self.gw.channel()
        self.stub = self.stubs["publisher_pb2_grpc"].PublisherStub(self.channel)

    def tearDown(self):
        self.channel.close()
        self.gw.close()
        self.redis.close()

    def publish(self, event, to=()):
        status, body = self.gw.publish(event, to=to)
        self.assertEqual(status, 202, body)

    def http_history(self, path, **query):
        target = "/api/history" + path
        if query:
            target += "?" + urllib.parse.urlencode(query)
        status, body = self.gw.request("GET", target, headers=KEY)
        return status, (json.loads(body) if status == 200 else body)

    def grpc_history(self, **fields):
        request = self.stubs["publisher_pb2"].HistoryRequest(**fields)
        return self.stub.History(request, metadata=bearer(), timeout=10)

    def test_http_and_grpc_read_the_same_pages(self):
        for i in range(1, 6):
            self.publish(comment(42, i))
        self.publish(comment(7, 99))

        status, newest = self.http_history("/ws/comments/42", limit=2)
        self.assertEqual(status, 200, newest)
        epoch = newest["position"].split(":")[0]
        self.assertEqual(newest, {"position": f"{epoch}:5", "complete": True, "events": [
            {"position": f"{epoch}:4", "event": comment(42, 4)},
            {"position": f"{epoch}:5", "event": comment(42, 5)}]})

        reply = self.grpc_history(channel="track_comments", scope="42", limit=2)
        self.assertEqual(reply.position, f"{epoch}:5")
        self.assertTrue(reply.complete)
        self.assertEqual([(e.position, e.type, json.loads(e.json)) for e in reply.events],
                         [(f"{epoch}:4", "new_comment", comment(42, 4)),
                          (f"{epoch}:5", "new_comment", comment(42, 5))])

        # Paging after a position, to the end, without gap or repeat.
        seen, since = [], f"{epoch}:0"
        while True:
            reply = self.grpc_history(channel="track_comments", scope="42", since=since, limit=2)
            self.assertTrue(reply.complete)
            if not reply.events:
                break
            seen += [json.loads(e.json)["data"]["id"] for e in reply.events]
            since = reply.events[-1].position
        self.assertEqual(seen, [1, 2, 3, 4, 5])
        status, other = self.http_history("/ws/comments/7")
        self.assertEqual([e["event"]["data"]["id"] for e in other["events"]], [99])

    def test_personal_history_needs_the_user_and_shows_only_theirs(self):
        message = {"type": "private_message", "text": "hi"}
        self.publish(message, to=["alice"])
        self.publish(dict(message, text="yo"), to=["bob"])
        status, alice = self.http_history("/ws/notifications", user="alice")
        self.assertEqual(status, 200, alice)
        self.assertEqual([e["event"]["text"] for e in alice["events"]], ["hi"])
        reply = self.grpc_history(channel="notifications", user_id="bob")
        self.assertEqual([json.loads(e.json)["text"] for e in reply.events], ["yo"])
        status, body = self.http_history("/ws/notifications")
        self.assertEqual(status, 400, body)
        self.assertIn("name the user", body)

    def test_refusals(self):
        status, body = self.gw.request("GET", "/api/history/ws/comments/42")
        self.assertEqual(status, 401, body)
        self.assertEqual(self.http_history("/ws/broadcasts")[0], 404)
        self.assertEqual(self.http_history("/ws/comments/42", since="garbage")[0], 400)
        self.assertEqual(self.http_history("/ws/comments/42", limit=5000)[0], 400)
        for fields, code in (({"channel": "broadcasts"}, grpc.StatusCode.NOT_FOUND),
                             ({"channel": "nope"}, grpc.StatusCode.NOT_FOUND),
                             ({"channel": "track_comments"}, grpc.StatusCode.INVALID_ARGUMENT)):
            with self.assertRaises(grpc.RpcError) as refused:
                self.grpc_history(**fields)
            self.assertEqual(refused.exception.code(), code, fields)
        with self.assertRaises(grpc.RpcError) as anonymous:
            self.stub.History(self.stubs["publisher_pb2"].HistoryRequest(
                channel="track_comments", scope="42"), timeout=10)
        self.assertEqual(anonymous.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_a_position_from_before_a_lost_history_is_not_continued_silently(self):
        self.publish(comment(42, 1))
        before = self.http_history("/ws/comments/42")[1]["position"]
        self.redis.stop()
        self.redis.start()  # no persistence: the history is gone
        self.gw.wait_for(lambda: self.gw.request("GET", "/readyz")[0] == 200, "ready again")
        self.publish(comment(42, 2))
        status, page = self.http_history("/ws/comments/42", since=before)
        self.assertEqual(status, 200, page)
        self.assertFalse(page["complete"])
        self.assertNotEqual(page["position"].split(":")[0], before.split(":")[0])
        self.assertEqual([e["event"]["data"]["id"] for e in page["events"]], [2])
        reply = self.grpc_history(channel="track_comments", scope="42", since=before)
        self.assertFalse(reply.complete)


if __name__ == "__main__":
    unittest.main()
