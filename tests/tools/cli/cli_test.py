"""End-to-end tests of the `pubsub` CLI: the real binary against real gateway
processes (and a real redis-server for --redis), with Python websockets
clients as the receivers. Exit codes are part of the interface: 0 ok,
1 runtime failure, 2 usage error, 3 invalid event."""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "server", "grpc"))

from grpc_harness import GrpcGateway  # noqa: E402
from harness import WAIT_SECONDS, RedisServer, free_port, recv_json  # noqa: E402

CLI = os.environ.get("PUBSUB_CLI", "pubsub")
EXAMPLE = os.environ.get("PUBSUB_EXAMPLE")  # tools/examples/publish_broadcast, when built

BROADCAST = {"type": "new_broadcast",
             "data": {"id": 1, "title": "Hi", "content": "Hello \u00e9 \"x\"", "author": "ann",
                      "created_at": "2026-11-25T10:00:00Z"}}


def broadcast(event_id):
    return dict(BROADCAST, data=dict(BROADCAST["data"], id=event_id))


def run_cli(*args, stdin=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, input=stdin,
                          timeout=WAIT_SECONDS * 3)


class TailProcess:
    """`pubsub tail` as a child process; `connected()` waits for its
    "connected" line (the subscription is live from then on)."""

    def __init__(self, proc):
        self.proc = proc

    @classmethod
    async def start(cls, *args):
        proc = await asyncio.create_subprocess_exec(CLI, "tail", *args, stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE)
        return cls(proc)

    async def connected(self):
        line = (await asyncio.wait_for(self.proc.stderr.readline(), WAIT_SECONDS)).decode()
        if "connected to" not in line:
            rest = (await asyncio.wait_for(self.proc.stderr.read(), WAIT_SECONDS)).decode()
            raise AssertionError(f"tail did not connect: {line}{rest}")

    async def line(self):
        return (await asyncio.wait_for(self.proc.stdout.readline(), WAIT_SECONDS)).decode()

    async def wait(self):
        return await asyncio.wait_for(self.proc.wait(), WAIT_SECONDS)

    async def stderr(self):
        return (await asyncio.wait_for(self.proc.stderr.read(), WAIT_SECONDS)).decode()


class CliUsageTest(unittest.TestCase):
    """No gateway needed: help, usage errors, local validation, unreachable targets."""

    def test_help_documents_commands_and_exit_codes(self):
        result = run_cli("--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        for text in ("publish", "tail", "token", "stats", "Exit codes", "3  invalid event"):
            self.assertIn(text, result.stdout)
        for command in ("publish", "tail", "token", "stats"):
            result = run_cli(command, "--help")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"pubsub {command}", result.stdout)
            self.assertIn("Exit codes", result.stdout)

    def test_usage_errors_exit_2(self):
        cases = [
            [],
            ["frobnicate"],
            ["publish"],
            ["publish", "new_broadcast", "{}"],  # no destination
            ["publish", "new_broadcast", "{}", "--gateway", "http://h:1", "--grpc", "h:2"],
            ["publish", "new_broadcast", "{}", "--gateway", "http://h:1", "--bogus"],
            ["publish", "new_broadcast", "{}", "--gateway"],  # missing value
            ["publish", "new_broadcast", "{}", "--grpc", "h:1", "--prefix", "p"],
            ["publish", "new_broadcast", "{}", "--gateway", "http://h:1", "--timeout", "soon"],
            ["tail"],
            ["tail", "http://127.0.0.1:1/ws/broadcasts"],
            ["tail", "ws://127.0.0.1:1/ws/broadcasts", "--token", "t", "--user", "u"],
            ["tail", "ws://127.0.0.1:1/ws/broadcasts", "--count", "0"],
            ["token", "--user", "ann"],
            ["token", "--secret-file", "/dev/null"],
            ["token", "--user", "ann", "--secret-file", "/dev/null", "--ttl", "-5"],
            ["stats"],
            ["stats", "ws://127.0.0.1:1"],
        ]
        for args in cases:
            with self.subTest(args=args):
                result = run_cli(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertTrue(result.stderr.strip())
                self.assertEqual(result.stdout, "")

    def test_invalid_events_exit_3_before_anything_is_sent(self):
        # Port 1 is never contacted: validation comes first.
        nowhere = ["--gateway", "http://127.0.0.1:1"]
        cases = [
            (["no_such_event", "{}"], "unknown event type"),
            (["new_broadcast", '{"data": '], ""),
            (["new_broadcast", '{"data":{"id":"seven"}}'], "data.id"),
            (["new_comment", '{"track_id":"","data":{"id":1}}'], "track_id"),
            (["private_message", '{"text":"hi"}'], "--to"),
            (["new_broadcast", json.dumps(BROADCAST), "--to", ""], "--to"),
            (["comment_updated", json.dumps(BROADCAST)], '"type" is "new_broadcast"'),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                result = run_cli("publish", *args, *nowhere)
                self.assertEqual(result.returncode, 3, result.stderr)
                self.assertIn("invalid event", result.stderr)
                self.assertIn(fragment, result.stderr)

    def test_unreachable_targets_exit_1(self):
        port = free_port()
        event = ["new_broadcast", json.dumps(BROADCAST)]
        cases = [
            ["publish", *event, "--gateway", f"http://127.0.0.1:{port}"],
            ["publish", *event, "--grpc", f"127.0.0.1:{port}"],
            # Half a second: not a multiple of the Redis bus's 1 s watchdog tick (see the
            # note in the report on RedisBus destruction racing with that tick).
            ["publish", *event, "--redis", f"redis://127.0.0.1:{port}", "--timeout", "0.5"],
            ["stats", f"http://127.0.0.1:{port}"],
            ["tail", f"ws://127.0.0.1:{port}/ws/broadcasts"],
            ["token", "--user", "ann", "--secret-file", "/nonexistent/secret"],
        ]
        for args in cases:
            with self.subTest(args=args):
                result = run_cli(*args)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertTrue(result.stderr.strip())

    def test_token_refuses_a_short_secret(self):
        # The gateway refuses HS256 secrets under 32 bytes: so does the signer.
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "secret")
            with open(path, "w") as f:
                f.write("x" * 31 + "\n")
            result = run_cli("token", "--user", "ann", "--secret-file", path)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertEqual(result.stdout, "")
            for part in (f"--secret-file {path}", "31 bytes", "at least 32",
                         f"head -c 32 /dev/urandom | base64 > {path}"):
                self.assertIn(part, result.stderr)
            with open(path, "w") as f:
                f.write("x" * 32 + "\n")
            result = run_cli("token", "--user", "ann", "--secret-file", path)
            self.assertEqual(result.returncode, 0, result.stderr)


class CliGatewayTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = GrpcGateway()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def token(self, user, *roles):
        args = ["token", "--user", user, "--secret-file", self.gw.secret_file]
        for role in roles:
            args += ["--role", role]
        result = run_cli(*args)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def publish_ok(self, *args):
        result = run_cli("publish", *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        event_id = result.stdout.strip()
        self.assertTrue(event_id)
        self.assertEqual(result.stdout, event_id + "\n")
        return event_id

    async def test_publish_via_gateway_http_reaches_client(self):
        async with self.gw.connect("/ws/broadcasts", user="cli-ann") as ws:
            self.publish_ok("new_broadcast", json.dumps(BROADCAST), "--gateway", self.gw.base,
                            "--key-file", self.gw.key_file)
            self.assertEqual(await recv_json(ws), BROADCAST)

    async def test_publish_via_grpc_reaches_client(self):
        async with self.gw.connect("/ws/broadcasts", user="cli-bob") as ws:
            self.publish_ok("new_broadcast", json.dumps(broadcast(2)), "--grpc",
                            self.gw.grpc_target, "--key-file", self.gw.key_file)
            self.assertEqual(await recv_json(ws), broadcast(2))

    async def test_publish_without_type_and_from_stdin(self):
        async with self.gw.connect("/ws/comments/cli", user="cli-cid") as ws:
            event = {"type": "new_comment", "track_id": "cli",
                     "data": {"id": 5, "content": "from stdin", "author": "cid", "timestamp": 1.5,
                              "created_at": "2026-11-25T10:00:00Z"}}
            body = json.dumps({k: v for k, v in event.items() if k != "type"})
            result = run_cli("publish", "new_comment", "-", "--grpc", self.gw.grpc_target,
                             "--key-file", self.gw.key_file, stdin=body)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(await recv_json(ws), event)

    async def test_publish_to_users(self):
        async with self.gw.connect("/ws/notifications", user="cli-alice") as alice, \
                self.gw.connect("/ws/notifications", user="cli-dan") as dan:
            for via in (["--gateway", self.gw.base], ["--grpc", self.gw.grpc_target]):
                note = {"type": "private_message", "text": f"hi via {via[0]}"}
                self.publish_ok("private_message", json.dumps(note), "--to", "cli-alice", *via,
                                "--key-file", self.gw.key_file)
                self.assertEqual(await recv_json(alice), note)
            last = {"type": "private_message", "text": "for dan"}
            self.publish_ok("private_message", json.dumps(last), "--to", "cli-dan", "--gateway",
                            self.gw.base, "--key-file", self.gw.key_file)
            self.assertEqual(await recv_json(dan), last)  # dan got nothing before this

    def test_wrong_or_missing_key_exits_1(self):
        with tempfile.NamedTemporaryFile("w", suffix=".key") as wrong:
            wrong.write("not-the-key\n")
            wrong.flush()
            for via in (["--gateway", self.gw.base], ["--grpc", self.gw.grpc_target]):
                for key in (["--key-file", wrong.name], []):
                    with self.subTest(via=via[0], key=key):
                        result = run_cli("publish", "new_broadcast", json.dumps(BROADCAST), *via, *key)
                        self.assertEqual(result.returncode, 1, result.stderr)
                        self.assertRegex(result.stderr, "401|UNAUTHENTICATED")

    async def test_tail_prints_each_event_as_one_json_line(self):
        tail = await TailProcess.start(f"{self.gw.ws_base}/ws/comments/tail", "--token",
                                       self.token("tail-ann"), "--count", "3")
        await tail.connected()
        events = [{"type": "new_comment", "track_id": "tail",
                   "data": {"id": i, "content": "line\nbreak \u00e9", "author": "ann",
                            "timestamp": 0.5, "created_at": "2026-11-25T10:00:00Z"}}
                  for i in range(3)]
        for event in events:
            status, body = self.gw.publish(event)
            self.assertEqual(status, 202, body)
        for event in events:
            line = await tail.line()
            self.assertTrue(line.endswith("\n"))
            self.assertNotIn("\n", line[:-1])
            self.assertEqual(json.loads(line), event)
        self.assertEqual(await tail.wait(), 0)

    async def test_tail_stops_on_ctrl_c(self):
        tail = await TailProcess.start(f"{self.gw.ws_base}/ws/broadcasts", "--token-file",
                                       self.write_file(self.token("tail-bob")))
        await tail.connected()
        self.assertEqual(self.gw.stats("tail-bob")["user_connections"], 1)
        status, body = self.gw.publish(broadcast(40))
        self.assertEqual(status, 202, body)
        self.assertEqual(json.loads(await tail.line()), broadcast(40))
        tail.proc.send_signal(signal.SIGINT)
        self.assertEqual(await tail.wait(), 0)
        self.gw.wait_for(lambda: self.gw.stats("tail-bob")["connected"] is False, "tail to leave")

    async def test_tail_refused_exits_1_with_the_reason(self):
        tail = await TailProcess.start(f"{self.gw.ws_base}/ws/broadcasts")
        self.assertEqual(await tail.wait(), 1)
        self.assertIn("401", await tail.stderr())
        tail = await TailProcess.start(f"{self.gw.ws_base}/ws/book-requests/admin", "--token",
                                       self.token("not-creator"))
        self.assertEqual(await tail.wait(), 1)
        self.assertIn("403", await tail.stderr())

    async def test_token_is_accepted_by_the_gateway(self):
        event = {"type": "new_request", "data": {"id": 5, "title": "Dune", "user": "ann",
                                                  "created_at": "2026-11-25T10:00:00Z"}}
        async with self.gw.connect("/ws/book-requests/admin", token=self.token("boss", "creator")) as ws:
            self.publish_ok("new_request", json.dumps(event), "--gateway", self.gw.base,
                            "--key-file", self.gw.key_file)
            self.assertEqual(await recv_json(ws), event)
            self.assertTrue(self.gw.stats("boss")["connected"])

    async def test_stats(self):
        async with self.gw.connect("/ws/broadcasts", user="st-ann"), \
                self.gw.connect("/ws/comments/1", user="st-ann"):
            result = run_cli("stats", self.gw.base, "--user", "st-ann")
            self.assertNotEqual(result.returncode, 0, "a gateway with a key wants it for stats")
            self.assertIn("401", result.stderr)
            result = run_cli("stats", self.gw.base, "--user", "st-ann", "--scope", "replica",
                             "--key-file", self.gw.key_file)
            self.assertEqual(result.returncode, 0, result.stderr)
            stats = json.loads(result.stdout)
            self.assertEqual(stats["scope"], "replica")
            self.assertEqual(stats["user"], "st-ann")
            self.assertIs(stats["connected"], True)
            self.assertEqual(stats["user_connections"], 2)
            self.assertGreaterEqual(stats["connections"], 2)
            result = run_cli("stats", self.gw.base, "--scope", "replica", "--key-file",
                             self.gw.key_file)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(set(json.loads(result.stdout)), {"scope", "connections", "users"})

            # The cluster's view (the default) follows within a heartbeat.
            def cluster_view():
                result = run_cli("stats", self.gw.base, "--user", "st-ann", "--key-file",
                                 self.gw.key_file)
                self.assertEqual(result.returncode, 0, result.stderr)
                return json.loads(result.stdout)
            self.gw.wait_for(lambda: cluster_view()["user_connections"] == 2, "cluster stats")
            view = cluster_view()
            self.assertEqual((view["scope"], view["replicas"]), ("cluster", 1))
            result = run_cli("stats", self.gw.base, "--scope", "world")
            self.assertEqual(result.returncode, 2)
            self.assertIn("--scope", result.stderr)

    def test_history_prints_events_with_positions_and_pages_with_all(self):
        for i in range(1, 6):
            comment = {"type": "new_comment", "track_id": "hist-1",
                       "data": {"id": i, "content": "c", "author": "a", "timestamp": 1.5,
                                "created_at": "2026-11-25T10:00:00Z"}}
            self.publish_ok("new_comment", json.dumps(comment), "--gateway", self.gw.base,
                            "--key-file", self.gw.key_file)
        url = self.gw.base + "/ws/comments/hist-1"

        def history(*args):
            result = run_cli("history", url, "--key-file", self.gw.key_file, *args)
            self.assertEqual(result.returncode, 0, result.stderr)
            lines = [json.loads(line) for line in result.stdout.splitlines()]
            return [line["event"]["data"]["id"] for line in lines], lines, result.stderr

        ids, lines, _ = history("--limit", "2")
        self.assertEqual(ids, [4, 5])
        epoch = lines[0]["position"].split(":")[0]
        self.assertEqual([line["position"] for line in lines], [f"{epoch}:4", f"{epoch}:5"])
        self.assertEqual(history("--all", "--limit", "2")[0], [1, 2, 3, 4, 5])
        self.assertEqual(history("--since", f"{epoch}:3")[0], [4, 5])
        ids, _, warning = history("--since", "gone:3")
        self.assertEqual(ids, [1, 2, 3, 4, 5])
        self.assertIn("does not continue from gone:3", warning)

        refused = run_cli("history", url)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("401", refused.stderr)
        bad = run_cli("history", url, "--key-file", self.gw.key_file, "--since", "x")
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("since", bad.stderr)
        no_history = run_cli("history", self.gw.base + "/ws/broadcasts", "--key-file",
                             self.gw.key_file)
        self.assertEqual(no_history.returncode, 1)
        self.assertIn("keeps no history", no_history.stderr)

    def write_file(self, text):
        path = os.path.join(self.gw.dir.name, f"file-{time.monotonic_ns()}")
        with open(path, "w") as f:
            f.write(text + "\n")
        return path


class CliShutdownTest(unittest.IsolatedAsyncioTestCase):
    async def test_tail_exits_0_when_the_gateway_shuts_down(self):
        gw = GrpcGateway()
        try:
            tail = await TailProcess.start(f"{gw.ws_base}/ws/broadcasts", "--user", "x",
                                           "--token", "y")  # usage error first: both modes
            self.assertEqual(await tail.wait(), 2)
            token = run_cli("token", "--user", "down", "--secret-file", gw.secret_file).stdout.strip()
            tail = await TailProcess.start(f"{gw.ws_base}/ws/broadcasts", "--token", token)
            await tail.connected()
            self.assertEqual(gw.stop(), 0)
            self.assertEqual(await tail.wait(), 0)
            self.assertIn("1001", await tail.stderr())
        finally:
            gw.close()


class CliDevAuthAndLimitsTest(unittest.IsolatedAsyncioTestCase):
    """A --dev-auth gateway with a small body limit: tail --user/--role, and an
    event that passes the schema but is too large for the gateway (exit 3)."""

    @classmethod
    def setUpClass(cls):
        cls.gw = GrpcGateway("--max-body-bytes", "2000", jwt=False, publisher_key=None)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    async def test_tail_as_a_development_user_with_a_role(self):
        tail = await TailProcess.start(f"{self.gw.ws_base}/ws/book-requests/admin", "--user", "dev",
                                       "--role", "creator", "--count", "1")
        await tail.connected()
        self.assertTrue(self.gw.stats("dev")["connected"])
        event = {"type": "request_updated", "data": {"id": 3, "status": "approved"}}
        result = run_cli("publish", "request_updated", json.dumps(event), "--gateway", self.gw.base)
        self.assertEqual(result.returncode, 0, result.stderr)  # dev mode: no key needed
        self.assertEqual(json.loads(await tail.line()), event)
        self.assertEqual(await tail.wait(), 0)

    def test_event_too_large_for_the_gateway_exits_3(self):
        big = broadcast(1)
        big["data"]["content"] = "x" * 5000
        for via in (["--gateway", self.gw.base], ["--grpc", self.gw.grpc_target]):
            with self.subTest(via=via[0]):
                result = run_cli("publish", "new_broadcast", json.dumps(big), *via)
                self.assertEqual(result.returncode, 3, result.stderr)
                self.assertRegex(result.stderr, "413|INVALID_ARGUMENT|RESOURCE_EXHAUSTED")


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class CliRedisTest(unittest.IsolatedAsyncioTestCase):
    """`pubsub publish --redis` and the C++ example publish straight to Redis,
    as a service would; a gateway on the same Redis delivers."""

    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.url = cls.redis.url
        cls.gw = GrpcGateway(bus=cls.url)
        cls.gw.wait_for(lambda: cls.gw.request("GET", "/readyz")[0] == 200, "gateway ready")

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.redis.close()

    async def test_publish_to_redis_reaches_gateway_clients(self):
        async with self.gw.connect("/ws/broadcasts", user="r-ann") as ws:
            result = run_cli("publish", "new_broadcast", json.dumps(broadcast(7)), "--redis", self.url)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertTrue(result.stdout.strip())
            self.assertEqual(await recv_json(ws), broadcast(7))
            # Another prefix is another application: this gateway does not hear it.
            result = run_cli("publish", "new_broadcast", json.dumps(broadcast(8)), "--redis",
                             self.url, "--prefix", "other-app:")
            self.assertEqual(result.returncode, 0, result.stderr)
            result = run_cli("publish", "new_broadcast", json.dumps(broadcast(9)), "--redis", self.url)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual((await recv_json(ws))["data"]["id"], 9)

    async def test_personal_event_to_redis_needs_a_target(self):
        result = run_cli("publish", "private_message", '{"text":"x"}', "--redis", self.url)
        self.assertEqual(result.returncode, 3, result.stderr)
        async with self.gw.connect("/ws/notifications", user="r-bob") as ws:
            result = run_cli("publish", "private_message", '{"text":"x"}', "--to", "r-bob",
                             "--redis", self.url)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(await recv_json(ws), {"type": "private_message", "text": "x"})

    @unittest.skipUnless(EXAMPLE, "the example is not built")
    async def test_cpp_example_publishes_a_typed_event(self):
        async with self.gw.connect("/ws/broadcasts", user="r-cid") as ws:
            result = subprocess.run([EXAMPLE, self.url, "From C++", "typed"], capture_output=True,
                                    text=True, timeout=WAIT_SECONDS)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertTrue(result.stdout.strip())
            event = await recv_json(ws)
            self.assertEqual(event["type"], "new_broadcast")
            self.assertEqual(event["data"]["title"], "From C++")
            self.assertEqual(event["data"]["content"], "typed")
            self.assertEqual(event["data"]["author"], "example-service")


if __name__ == "__main__":
    unittest.main()
