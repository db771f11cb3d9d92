"""Helpers for end-to-end tests: start real gateway processes, talk to them with
real clients (Python's websockets, a Debian package nobody here wrote), mint
tokens, read metrics. Nothing here sleeps and hopes: waits poll a condition with
a generous bound and fail with a message when it never becomes true."""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import websockets

GATEWAY = os.environ.get("PUBSUB_GATEWAY", "pubsub-gateway")
# At least 32 bytes: the gateway refuses shorter HS256 secrets.
SECRET = "integration-test-secret-0123456789abcdef"
PUBLISHER_KEY = "integration-test-publisher-key"

# A bound for waits on conditions that normally hold within milliseconds;
# only a broken gateway reaches it.
WAIT_SECONDS = 20


def mint_token(user, roles=(), exp_in=3600, secret=SECRET, alg="HS256"):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    claims = {"sub": user, "exp": int(time.time()) + exp_in}
    if roles:
        claims["roles"] = list(roles)
    payload = b64(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


class Gateway:
    """A pubsub-gateway process on a free port (it binds port 0 and reports it)."""

    def __init__(self, *extra_args, dev_auth=False, bus="memory"):
        self.dir = tempfile.TemporaryDirectory(prefix="pubsub-e2e-")
        secret_file = os.path.join(self.dir.name, "jwt-secret")
        key_file = os.path.join(self.dir.name, "publisher-key")
        with open(secret_file, "w") as f:
            f.write(SECRET + "\n")
        with open(key_file, "w") as f:
            f.write(PUBLISHER_KEY + "\n")
        args = [GATEWAY, "--listen", "127.0.0.1:0", "--bus", bus,
                "--publisher-key-file", key_file]
        args += ["--dev-auth"] if dev_auth else ["--jwt-secret-file", secret_file]
        args += list(extra_args)
        self.log_path = os.path.join(self.dir.name, "gateway.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        self.startup_line = line
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"gateway did not start: {line!r}\n{self.logs()}")
        self.port = int(match.group(2))
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode

    def close(self):
        self.stop()
        logs = self.logs_after_stop()
        self.dir.cleanup()
        # A sanitizer report in the gateway's log fails the test that ran it.
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in logs:
                raise AssertionError(f"gateway log has a sanitizer report:\n{logs}")

    def logs_after_stop(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.process.poll() is None

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    # --- HTTP ---

    def request(self, method, path, body=None, headers=None):
        """Returns (status, body text). Never raises for HTTP error statuses."""
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=WAIT_SECONDS) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def publish(self, event, to=(), key=PUBLISHER_KEY, raw=None):
        query = "&".join(f"to={urllib.parse.quote(u)}" for u in to)
        path = "/api/publish" + (f"?{query}" if query else "")
        body = raw if raw is not None else json.dumps(event)
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.request("POST", path, body, headers)

    def stats(self, user=None, key=PUBLISHER_KEY):
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        status, body = self.request("GET", "/api/stats" + (f"?user={user}" if user else ""),
                                    headers=headers)
        assert status == 200, body
        return json.loads(body)

    def metric(self, name):
        status, body = self.request("GET", "/metrics")
        assert status == 200, body
        for line in body.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        raise KeyError(name)

    def wait_for(self, condition, what):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}\n--- gateway log ---\n{self.logs()}")

    # --- WebSocket ---

    def connect(self, path, user=None, roles=(), token=None, **kwargs):
        """An async context manager: websockets.connect with a token for `user`."""
        uri = self.ws_base + path
        if user is not None and token is None:
            token = mint_token(user, roles)
        if token is not None:
            uri += ("&" if "?" in uri else "?") + "token=" + token
        kwargs.setdefault("open_timeout", WAIT_SECONDS)
        kwargs.setdefault("compression", None)
        return websockets.connect(uri, **kwargs)


class RedisServer:
    """A real redis-server on a free port, in its own temporary directory.
    stop() and start() again keep the port, to simulate an outage."""

    def __init__(self, *extra_args):
        self.dir = tempfile.TemporaryDirectory(prefix="pubsub-redis-")
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir.name, *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.cli("PING").strip() == "PONG":
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT_SECONDS)

    def close(self):
        self.stop()
        self.dir.cleanup()

    def cli(self, *args):
        auth = []
        if "--requirepass" in self.extra_args:
            auth = ["--no-auth-warning", "-a",
                    self.extra_args[self.extra_args.index("--requirepass") + 1]]
        result = subprocess.run(["redis-cli", "-p", str(self.port), *auth, *args],
                                capture_output=True, text=True, timeout=WAIT_SECONDS)
        return result.stdout

    def numsub(self, channel):
        lines = self.cli("PUBSUB", "NUMSUB", channel).split()
        return int(lines[1]) if len(lines) >= 2 else 0

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"


async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT_SECONDS))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
