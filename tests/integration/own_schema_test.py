"""A team's own schema end to end, following docs/getting-started.md to the
letter: the test reads the guide's files and build commands from the page,
installs the SDK from this build tree into a scratch prefix, builds the
guide's project against the installed SDK only (no source tree), starts the
gateway it built, and checks that an event published over HTTP, gRPC and the
CLI it built reaches a WebSocket client as the generated writer renders it,
and that every path refuses a type the schema does not have."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("PUBSUB_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
BUILD_DIR = os.environ.get("PUBSUB_BUILD_DIR", "")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "server", "grpc"))

import grpc  # noqa: E402

from grpc_harness import GrpcGateway, bearer, load_stubs  # noqa: E402
from harness import recv_json  # noqa: E402

GUIDE = os.path.join(SOURCE_DIR, "docs", "getting-started.md")

EVENT = {"type": "order_placed", "customer_id": "c42",
         "data": {"id": 7, "items": ["tea", "thé \u00e9\u0001"], "total": 4.5,
                  "status": "ORDER_STATUS_PLACED", "placed_at": "2026-12-04T10:00:00Z"}}


def guide_blocks():
    """{"file: PATH": text, "commands: NAME": text} from the guide's marked blocks."""
    with open(GUIDE) as f:
        text = f.read()
    blocks = {}
    for marker, body in re.findall(r"<!-- ((?:file|commands): [^ ]+) -->\n```[a-z]*\n(.*?)```",
                                   text, re.S):
        blocks[marker] = body
    return blocks


def conforms(value, schema, document, path="$"):
    """Checks `value` against the subset of JSON Schema the catalogue uses
    ($ref, type, const, enum, properties, required, additionalProperties,
    items); returns a list of problems."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return conforms(value, document["components"]["schemas"][name], document, path)
    problems = []
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
             "integer": int, "number": (int, float)}
    wanted = schema.get("type")
    if wanted is not None:
        types = wanted if isinstance(wanted, list) else [wanted]
        if not any(isinstance(value, kinds[t]) and not (t in ("integer", "number") and
                                                         isinstance(value, bool))
                   for t in types):
            return [f"{path}: {value!r} is not {wanted}"]
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}: missing {key}")
        for key, item in value.items():
            if key in properties:
                problems += conforms(item, properties[key], document, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: unexpected {key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += conforms(item, schema["items"], document, f"{path}[{i}]")
    return problems


def run(args, cwd, env=None, what=""):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise AssertionError(f"{what or args} failed ({result.returncode}):\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


class OwnSchemaTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        if not BUILD_DIR:
            raise unittest.SkipTest("PUBSUB_BUILD_DIR is not set (ctest sets it)")
        cls.home = tempfile.mkdtemp(prefix="pubsub-own-schema-")
        # Step 1 of the guide, on this build tree (building the SDK again
        # would only repeat `make`).
        run(["cmake", "--install", BUILD_DIR, "--prefix", os.path.join(cls.home, "pubsub-sdk")],
            cwd=cls.home, what="cmake --install")
        cls.project = os.path.join(cls.home, "shop")
        blocks = guide_blocks()
        files = {k[len("file: "):]: v for k, v in blocks.items() if k.startswith("file: ")}
        assert set(files) == {"proto/shop/orders.proto", "CMakeLists.txt"}, files.keys()
        for path, body in files.items():
            os.makedirs(os.path.dirname(os.path.join(cls.project, path)), exist_ok=True)
            with open(os.path.join(cls.project, path), "w") as f:
                f.write(body)
        env = dict(os.environ, HOME=cls.home)
        if shutil.which("ccache"):
            env["CMAKE_CXX_COMPILER_LAUNCHER"] = "ccache"
        run(["bash", "-euo", "pipefail", "-c", blocks["commands: build"].replace(" -j\n", " -j2\n")],
            cwd=cls.project, env=env, what="the guide's build commands")
        cls.gateway_binary = os.path.join(cls.project, "build", "shop_gateway")
        cls.cli_binary = os.path.join(cls.project, "build", "shop_pubsub")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)

    async def asyncSetUp(self):
        self.gw = GrpcGateway(binary=self.gateway_binary)
        self.addCleanup(self.gw.close)
        self.assertIn("/ws/orders/{customer_id}", self.gw.startup_line)

    def cli(self, *args):
        return subprocess.run([self.cli_binary, *args], capture_output=True, text=True,
                              timeout=60)

    async def test_events_reach_the_browser_over_every_path(self):
        stubs = load_stubs()
        pb, pb_grpc = stubs["publisher_pb2"], stubs["publisher_pb2_grpc"]
        async with self.gw.connect("/ws/orders/c42", user="ann") as ws, \
                self.gw.connect("/ws/orders/c43", user="bob") as other:
            # HTTP
            status, body = self.gw.publish(EVENT)
            self.assertEqual(status, 202, body)
            self.assertEqual(await recv_json(ws), EVENT)
            # gRPC, type + JSON
            with self.gw.channel() as channel:
                reply = pb_grpc.PublisherStub(channel).Publish(
                    pb.PublishRequest(json=pb.JsonEvent(type="order_placed",
                                                        json=json.dumps(EVENT))),
                    metadata=bearer(), timeout=20)
            self.assertTrue(reply.event_id)
            self.assertEqual(await recv_json(ws), EVENT)
            # The CLI built for this schema, through HTTP and through gRPC.
            for via in (["--gateway", self.gw.base], ["--grpc", self.gw.grpc_target]):
                result = self.cli("publish", "order_placed", json.dumps(EVENT), *via,
                                  "--key-file", self.gw.key_file)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(await recv_json(ws), EVENT)
            # Scopes hold: customer c43's client heard none of it.
            other_event = dict(EVENT, customer_id="c43")
            self.assertEqual(self.gw.publish(other_event)[0], 202)
            self.assertEqual(await recv_json(other), other_event)

    async def test_the_catalogue_describes_what_browsers_receive(self):
        status, body = self.gw.request("GET", "/api/schema")
        self.assertEqual(status, 200, body)
        document = json.loads(body)
        self.assertEqual(document["asyncapi"], "3.0.0")
        self.assertIn("customer_orders", document["channels"])
        self.assertEqual(document["channels"]["customer_orders"]["address"],
                         "/ws/orders/{customer_id}")
        message = document["components"]["messages"]["order_placed"]
        example = message["examples"][0]["payload"]
        self.assertEqual(conforms(example, message["payload"], document), [])
        async with self.gw.connect(f"/ws/orders/{example['customer_id']}", user="ann") as ws:
            for event in (dict(EVENT, customer_id=example["customer_id"]), example):
                status, body = self.gw.publish(event)
                self.assertEqual(status, 202, body)
                received = await recv_json(ws)
                self.assertEqual(received, event)
                self.assertEqual(conforms(received, message["payload"], document), [])
        # The checker can fail: a field the schema does not have.
        self.assertNotEqual(conforms(dict(EVENT, extra=1), message["payload"], document), [])

    async def test_the_web_pages_are_served_too(self):
        # The SDK's installed gateway library embeds web/ (the admin page).
        for path in ("/admin/", "/demo/"):
            status, body = self.gw.request("GET", path)
            self.assertEqual(status, 200, path)
            self.assertIn("<html", body)

    async def test_types_the_schema_does_not_have_are_refused_everywhere(self):
        stubs = load_stubs()
        pb, pb_grpc = stubs["publisher_pb2"], stubs["publisher_pb2_grpc"]
        broadcast = {"type": "new_broadcast", "data": {"id": 1, "title": "not ours"}}
        status, body = self.gw.publish(broadcast)
        self.assertEqual(status, 400)
        self.assertIn("unknown event type", body)
        with self.gw.channel() as channel:
            with self.assertRaises(grpc.RpcError) as raised:
                pb_grpc.PublisherStub(channel).Publish(
                    pb.PublishRequest(json=pb.JsonEvent(type="new_broadcast",
                                                        json=json.dumps(broadcast))),
                    metadata=bearer(), timeout=20)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        result = self.cli("publish", "new_broadcast", json.dumps(broadcast),
                          "--gateway", self.gw.base, "--key-file", self.gw.key_file)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("unknown event type", result.stderr)
        # Nor does the gateway serve the sample's channels.
        status, _ = self.gw.request("GET", "/ws/broadcasts")
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
