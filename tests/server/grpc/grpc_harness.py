"""Helpers for tests of the gRPC Publish service (and of the CLI, which reuses
them): a gateway process with --grpc-listen, and Python stubs generated from
our own protos at test time with grpc_tools.protoc (Debian's python3-grpc-tools),
so that the client is grpcio talking to the service as any worker would.

Builds on tests/integration/harness.py (same gateway process handling, same
websockets clients, same waits)."""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("PUBSUB_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))

import grpc  # noqa: E402
import grpc_tools  # noqa: E402

import harness  # noqa: E402,F401  (re-exported for the tests)
from harness import GATEWAY, PUBLISHER_KEY, SECRET, Gateway  # noqa: E402

_STUBS_DIR = None


def load_stubs():
    """Generates Python modules for pubsub/publisher.proto and the sample schema
    (once per process) and puts them on sys.path. Returns the modules
    (publisher_pb2, publisher_pb2_grpc, and the sample schema's *_pb2 by name)."""
    global _STUBS_DIR
    if _STUBS_DIR is None:
        out = tempfile.mkdtemp(prefix="pubsub-grpc-stubs-")
        schema = os.path.join(SOURCE_DIR, "schema")
        examples = os.path.join(schema, "examples")
        well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        protoc = [sys.executable, "-m", "grpc_tools.protoc", f"--python_out={out}"]
        # The API and the options the sample schema imports, then the schema.
        subprocess.run(protoc + [f"--grpc_python_out={out}", "-I", schema, "-I", well_known,
                                 "pubsub/publisher.proto", "pubsub/options.proto"], check=True)
        samples = sorted(p for p in os.listdir(examples) if p.endswith(".proto"))
        subprocess.run(protoc + ["-I", examples, "-I", schema, "-I", well_known] + samples,
                       check=True)
        sys.path.insert(0, out)
        _STUBS_DIR = out
    import importlib
    modules = {name: importlib.import_module(name)
               for name in ("broadcasts_pb2", "comments_pb2", "notifications_pb2",
                            "book_requests_pb2", "forum_pb2")}
    modules["publisher_pb2"] = importlib.import_module("pubsub.publisher_pb2")
    modules["publisher_pb2_grpc"] = importlib.import_module("pubsub.publisher_pb2_grpc")
    return modules


class GrpcGateway(Gateway):
    """A pubsub-gateway process serving gRPC on a free port too: `grpc_target`
    is "127.0.0.1:PORT", read from the startup line ("grpc=127.0.0.1:PORT").

    publisher_key=None starts it without --publisher-key-file; jwt=False uses
    --dev-auth instead of a JWT secret; `binary` is another gateway program
    (one built for another schema with pubsub_add_gateway)."""

    def __init__(self, *extra_args, publisher_key=PUBLISHER_KEY, jwt=True, bus="memory",
                 binary=GATEWAY):
        self.dir = tempfile.TemporaryDirectory(prefix="pubsub-grpc-e2e-")
        self.secret_file = os.path.join(self.dir.name, "jwt-secret")
        with open(self.secret_file, "w") as f:
            f.write(SECRET + "\n")
        args = [binary, "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0", "--bus", bus]
        self.key_file = None
        if publisher_key is not None:
            self.key_file = os.path.join(self.dir.name, "publisher-key")
            with open(self.key_file, "w") as f:
                f.write(publisher_key + "\n")
            args += ["--publisher-key-file", self.key_file]
        args += ["--jwt-secret-file", self.secret_file] if jwt else ["--dev-auth"]
        args += list(extra_args)
        self.log_path = os.path.join(self.dir.name, "gateway.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.startup_line = self.process.stdout.readline()
        http = re.search(r"listening on http://([\d.]+):(\d+)", self.startup_line)
        rpc = re.search(r"\bgrpc=([\d.]+:\d+)", self.startup_line)
        if not http or not rpc:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"gateway did not start: {self.startup_line!r}\n{self.logs()}")
        self.port = int(http.group(2))
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.grpc_target = rpc.group(1)

    def channel(self):
        return grpc.insecure_channel(self.grpc_target)


def bearer(key=PUBLISHER_KEY):
    return [("authorization", f"Bearer {key}")]
