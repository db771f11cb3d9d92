"""End-to-end tests of pubsub-gateway on the embedded bus: a real gateway
process, real WebSocket clients (Python websockets), real HTTP publishes.
Issue 3, "Must show" 1 and 4: exact JSON, scopes, personal delivery, targeted
broadcast, 401/403/404, statistics, bad input."""

import asyncio
import json
import socket
import unittest

import websockets
import websockets.exceptions

from harness import Gateway, PUBLISHER_KEY, mint_token, recv_json

BROADCAST = {"type": "new_broadcast",
             "data": {"id": 1, "title": "Hi", "content": "Hello \u00e9\u2028\"x\"", "author": "ann",
                      "created_at": "2026-11-25T10:00:00Z"}}


def comment(track, comment_id, content="nice"):
    return {"type": "new_comment", "track_id": str(track),
            "data": {"id": comment_id, "content": content, "author": "ann", "timestamp": 12.5,
                     "created_at": "2026-11-25T10:00:00Z"}}


def private(text):
    return {"type": "private_message", "text": text}


class GatewayTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway("--allowed-origin", "https://app.example")

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def publish_ok(self, event, to=()):
        status, body = self.gw.publish(event, to=to)
        self.assertEqual(status, 202, body)
        self.assertIn("id", json.loads(body))

    async def test_broadcast_reaches_every_client_with_exact_json(self):
        async with self.gw.connect("/ws/broadcasts", user="ann") as a, \
                self.gw.connect("/ws/broadcasts", user="bob") as b:
            self.publish_ok(BROADCAST)
            for ws in (a, b):
                raw = await asyncio.wait_for(ws.recv(), 20)
                self.assertIsInstance(raw, str)  # a text frame: browsers JSON.parse(event.data)
                self.assertEqual(json.loads(raw), BROADCAST)
                self.assertTrue(raw.startswith('{"type":"new_broadcast","data":{"id":1,'), raw)

    async def test_scopes_isolate_tracks(self):
        async with self.gw.connect("/ws/comments/1", user="ann") as one, \
                self.gw.connect("/ws/comments/2", user="bob") as two:
            self.publish_ok(comment(1, 10))
            self.publish_ok(comment(2, 20))
            self.assertEqual(await recv_json(one), comment(1, 10))
            # Track 2's client sees track 2's comment first: track 1's never reached it.
            self.assertEqual(await recv_json(two), comment(2, 20))

    async def test_events_keep_publish_order(self):
        async with self.gw.connect("/ws/comments/order", user="ann") as ws:
            for i in range(50):
                self.publish_ok(comment("order", i))
            for i in range(50):
                self.assertEqual((await recv_json(ws))["data"]["id"], i)

    async def test_personal_events_reach_all_and_only_the_users_sockets(self):
        async with self.gw.connect("/ws/notifications", user="alice") as tab1, \
                self.gw.connect("/ws/notifications", user="alice") as tab2, \
                self.gw.connect("/ws/notifications", user="bob") as bob:
            self.publish_ok(private("for alice"), to=["alice"])
            self.publish_ok(private("for bob"), to=["bob"])
            self.assertEqual(await recv_json(tab1), private("for alice"))
            self.assertEqual(await recv_json(tab2), private("for alice"))
            self.assertEqual(await recv_json(bob), private("for bob"))

    async def test_personal_event_without_target_is_refused(self):
        status, body = self.gw.publish(private("nobody"))
        self.assertEqual(status, 400, body)
        self.assertIn("target", json.loads(body)["error"])

    async def test_targeted_broadcast_reaches_only_targets(self):
        async with self.gw.connect("/ws/broadcasts", user="t-ann") as ann, \
                self.gw.connect("/ws/broadcasts", user="t-bob") as bob, \
                self.gw.connect("/ws/broadcasts", user="t-cid") as cid:
            targeted = dict(BROADCAST, data=dict(BROADCAST["data"], id=2))
            everyone = dict(BROADCAST, data=dict(BROADCAST["data"], id=3))
            self.publish_ok(targeted, to=["t-ann", "t-cid"])
            self.publish_ok(everyone)
            self.assertEqual((await recv_json(ann))["data"]["id"], 2)
            self.assertEqual((await recv_json(cid))["data"]["id"], 2)
            self.assertEqual((await recv_json(bob))["data"]["id"], 3)  # never saw id 2
            self.assertEqual((await recv_json(ann))["data"]["id"], 3)

    async def test_book_requests_admin_needs_creator_role(self):
        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
            async with self.gw.connect("/ws/book-requests/admin", user="plain"):
                pass
        self.assertEqual(refused.exception.status_code, 403)
        async with self.gw.connect("/ws/book-requests/admin", user="boss", roles=["creator"]) as ws:
            event = {"type": "new_request", "data": {"id": 5, "title": "Dune", "user": "ann",
                                                      "created_at": "2026-11-25T10:00:00Z"}}
            self.publish_ok(event)
            self.assertEqual(await recv_json(ws), event)

    async def test_status_updated_uses_lowercase_status(self):
        async with self.gw.connect("/ws/book-requests", user="reader") as ws:
            event = {"type": "status_updated",
                     "data": {"id": 9, "status": "approved", "message": "Your request is approved"}}
            self.publish_ok(event, to=["reader"])
            self.assertEqual(await recv_json(ws), event)

    async def test_auth_failures_are_refused_before_the_upgrade(self):
        cases = [
            ("/ws/broadcasts", None, 401),                                   # no token
            ("/ws/broadcasts", "garbage", 401),                              # not a JWT
            ("/ws/broadcasts", mint_token("x", exp_in=-3600), 401),          # expired
            ("/ws/broadcasts", mint_token("x", secret="other"), 401),        # bad signature
            ("/ws/nope", mint_token("x"), 404),                              # unknown path
            ("/ws/comments", mint_token("x"), 404),                          # missing scope
            ("/ws/comments/%ZZ", mint_token("x"), 400),                      # bad scope encoding
        ]
        for path, token, code in cases:
            with self.subTest(path=path, token=token):
                with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                    async with self.gw.connect(path, token=token):
                        pass
                self.assertEqual(refused.exception.status_code, code)

    async def test_token_from_authorization_header_and_subprotocol(self):
        token = mint_token("hdr")
        async with self.gw.connect("/ws/broadcasts",
                                   extra_headers={"Authorization": f"Bearer {token}"}) as ws:
            self.assertEqual(self.gw.stats("hdr")["connected"], True)
        async with self.gw.connect("/ws/broadcasts", subprotocols=["bearer", token]) as ws:
            self.assertEqual(ws.subprotocol, "bearer")

    async def test_origin_allow_list(self):
        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
            async with self.gw.connect("/ws/broadcasts", user="o", origin="https://evil.example"):
                pass
        self.assertEqual(refused.exception.status_code, 403)
        async with self.gw.connect("/ws/broadcasts", user="o", origin="https://app.example"):
            pass

    async def test_stats_follow_clients_coming_and_going(self):
        base = self.gw.stats()
        async with self.gw.connect("/ws/forum/1", user="s-ann") as a1, \
                self.gw.connect("/ws/forum/2", user="s-ann") as a2, \
                self.gw.connect("/ws/forum/1", user="s-bob") as b:
            stats = self.gw.stats("s-ann")
            self.assertEqual(stats["connections"], base["connections"] + 3)
            self.assertEqual(stats["users"], base["users"] + 2)
            self.assertEqual(stats["connected"], True)
            self.assertEqual(stats["user_connections"], 2)
            await b.close()
            self.gw.wait_for(lambda: self.gw.stats("s-bob")["connected"] is False, "bob to leave")
            self.assertEqual(self.gw.stats()["connections"], base["connections"] + 2)
        self.gw.wait_for(lambda: self.gw.stats()["connections"] == base["connections"],
                         "every client to leave")
        self.assertEqual(self.gw.stats("s-ann")["connected"], False)

    async def test_bad_publish_bodies_get_400_and_delivery_continues(self):
        bad = [
            ("not json", "{"),
            ("unknown type", json.dumps({"type": "no_such_event"})),
            ("missing type", json.dumps({"data": {}})),
            ("wrong field type", json.dumps({"type": "new_broadcast", "data": {"id": "abc"}})),
            ("unknown field", json.dumps({"type": "new_broadcast", "bogus": 1})),
            ("missing scope", json.dumps({"type": "new_comment", "data": {"id": 1}})),
            ("not an object", json.dumps([1, 2])),
        ]
        for name, body in bad:
            with self.subTest(name):
                status, text = self.gw.publish(None, raw=body)
                self.assertEqual(status, 400, text)
                self.assertTrue(json.loads(text)["error"])
        status, text = self.gw.publish(None, raw=b'{"type":"new_broadcast","data":{"title":"\xff"}}')
        self.assertEqual(status, 400, text)
        status, text = self.gw.publish(BROADCAST, key=None)
        self.assertEqual(status, 401, text)
        status, text = self.gw.publish(BROADCAST, key="wrong")
        self.assertEqual(status, 401, text)
        async with self.gw.connect("/ws/broadcasts", user="after") as ws:
            self.publish_ok(BROADCAST)
            self.assertEqual(await recv_json(ws), BROADCAST)

    async def test_malformed_http_and_oversize_input(self):
        def raw_request(data):
            with socket.create_connection(("127.0.0.1", self.gw.port), timeout=20) as s:
                s.sendall(data)
                chunks = []
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                return b"".join(chunks).decode(errors="replace")

        self.assertIn(" 400 ", raw_request(b"THIS IS NOT HTTP\r\n\r\n").split("\r\n")[0] + " ")
        huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
        self.assertIn(" 431 ", raw_request(huge).split("\r\n")[0] + " ")
        # A body over --max-body-bytes is refused from its Content-Length alone;
        # without the publisher key, before any body is read.
        oversize = (b"POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Authorization: Bearer " + PUBLISHER_KEY.encode() + b"\r\n"
                    b"Content-Length: 2097152\r\n\r\n{")
        self.assertIn(" 413 ", raw_request(oversize).split("\r\n")[0] + " ")
        keyless = oversize.replace(b"Authorization: Bearer", b"X-Not-Authorization:")
        self.assertIn(" 401 ", raw_request(keyless).split("\r\n")[0] + " ")

        # An oversize client frame closes that socket with 1009; others are unaffected.
        async with self.gw.connect("/ws/broadcasts", user="big", max_size=None) as ws:
            await ws.send("x" * (1024 * 1024))
            with self.assertRaises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 20)
            self.assertEqual(ws.close_code, 1009)
        async with self.gw.connect("/ws/broadcasts", user="still") as ws:
            await ws.send("client text is read and ignored")
            self.publish_ok(BROADCAST)
            self.assertEqual(await recv_json(ws), BROADCAST)

    async def test_ops_endpoints(self):
        self.assertEqual(self.gw.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.gw.request("GET", "/readyz")[0], 200)
        status, text = self.gw.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("pubsub_connections ", text)
        self.assertIn('pubsub_channel_connections{channel="track_comments"}', text)
        self.assertEqual(self.gw.request("GET", "/nope")[0], 404)


if __name__ == "__main__":
    unittest.main()
