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

    def stats(self, user=None, key=PUBLISHER_KEY, scope="replica"):
        """GET /api/stats: this replica's own counts (scope="replica"), or
        every live replica's from the bus (scope="cluster")."""
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        query = "&".join([f"scope={scope}"] + ([f"user={user}"] if user else []))
        status, body = self.request("GET", f"/api/stats?{query}", headers=headers)
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


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies (Linux
    prctl(PR_SET_PDEATHSIG)), so a crashed test leaves no redis-server behind."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class ClusterNode:
    """One node of a RedisCluster: its port, its process (None while stopped)
    and its directory (nodes.conf, log)."""

    def __init__(self, port, bus_port, dir):
        self.port = port
        self.bus_port = bus_port
        self.dir = dir
        self.process = None
        self.id = None  # the cluster node id, known once the node is up

    @property
    def pid(self):
        return self.process.pid if self.process else None

    @property
    def log_path(self):
        return os.path.join(self.dir, "redis.log")


class RedisCluster:
    """A real Redis Cluster: `masters` masters with `replicas` replicas each
    (default 3 + 3), `redis-server --cluster-enabled yes` processes on free
    ports in one temporary directory, joined with `redis-cli --cluster create`.
    Waits until every node says cluster_state:ok. close() stops every process
    by PID (SIGKILL) and removes the directory.

        cluster = RedisCluster()
        gateway = Gateway(bus=cluster.url)            # redis-cluster://127.0.0.1:p1,...
        port = cluster.master_of_slot(ClusterSlot("pubsub:news"))
        cluster.kill_master(port); cluster.wait_for_failover()
        cluster.restart(port)                         # comes back as a replica
        cluster.reshard(from_port, to_port, slot=1234)  # or count=100 (redis-cli)
        cluster.close()

    Every wait polls with a generous bound (the machine may be slow) and fails
    with the nodes' view and log tails."""

    SLOTS = 16384
    # Startup, failover and resharding take seconds; allow for a loaded machine.
    WAIT = 90

    def __init__(self, masters=3, replicas=1, node_timeout_ms=1000):
        self.dir = tempfile.mkdtemp(prefix="pubsub-cluster-")
        self.node_timeout_ms = node_timeout_ms
        self.nodes_by_port = {}
        self.startup_seconds = None
        self.failover_seconds = None
        try:
            started = time.monotonic()
            for _ in range(masters * (1 + replicas)):
                self._add_node()
            addresses = [f"127.0.0.1:{port}" for port in self.nodes_by_port]
            result = self._run(["redis-cli", "--cluster", "create", *addresses,
                                "--cluster-replicas", str(replicas), "--cluster-yes"])
            if result.returncode != 0 or "[OK] All 16384 slots covered" not in result.stdout:
                raise RuntimeError("redis-cli --cluster create failed:\n"
                                   + result.stdout + result.stderr)
            for node in self.nodes_by_port.values():
                node.id = self.cli(node.port, "CLUSTER", "MYID").strip()
            self.wait_until_stable("the cluster to form")
            self.startup_seconds = time.monotonic() - started
        except BaseException:
            self.close()
            raise

    # --- processes ---

    def _add_node(self):
        # A fresh port pair per attempt: another test may take a port between
        # free_port() and redis-server's bind.
        last_error = None
        for _ in range(5):
            port, bus_port = free_port(), free_port()
            if port == bus_port:
                continue
            node_dir = os.path.join(self.dir, str(port))
            os.makedirs(node_dir, exist_ok=True)
            node = ClusterNode(port, bus_port, node_dir)
            try:
                self._start(node)
            except RuntimeError as e:
                last_error = e
                continue
            self.nodes_by_port[port] = node
            return node
        raise RuntimeError(f"could not start a cluster node: {last_error}")

    def _start(self, node):
        # nodes.conf stays in the node's directory: a restarted node rejoins
        # with its id (and learns what changed while it was down).
        args = ["redis-server", "--port", str(node.port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-port", str(node.bus_port),
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(self.node_timeout_ms),
                "--appendonly", "no", "--save", "", "--dir", node.dir,
                "--logfile", node.log_path,
                # Far below the 20,000-fd limit even for six nodes at once.
                "--maxclients", "1000"]
        node.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, close_fds=True,
                                        preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.WAIT
        while time.monotonic() < deadline:
            if node.process.poll() is not None:
                node.process = None
                raise RuntimeError(f"redis-server on port {node.port} exited:\n"
                                   + self._log_tail(node))
            if self.cli(node.port, "PING").strip() == "PONG":
                return
            time.sleep(0.05)
        self._stop(node)
        raise RuntimeError(f"redis-server on port {node.port} did not answer PING\n"
                           + self._log_tail(node))

    def _stop(self, node):
        if node.process is None:
            return
        try:
            os.kill(node.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        node.process.wait()
        node.process = None

    def close(self):
        """Stops every node by PID and removes the directory. Returns the PIDs
        that were stopped (a test may check that none is left)."""
        pids = []
        for node in self.nodes_by_port.values():
            if node.process is not None:
                pids.append(node.process.pid)
                self._stop(node)
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)
        return pids

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- commands ---

    def _run(self, args, timeout=None):
        try:
            return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                  timeout=timeout or self.WAIT)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"{' '.join(args[:3])} ... timed out after {e.timeout} s") from None

    def cli(self, port, *args):
        """redis-cli -p PORT ARGS...: its stdout ('' when the node is down)."""
        try:
            result = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                                    text=True, stdin=subprocess.DEVNULL, timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            return ""
        return result.stdout

    # --- the cluster's view ---

    @property
    def url(self):
        return "redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.nodes_by_port)

    def alive_ports(self):
        return [p for p, n in self.nodes_by_port.items() if n.process is not None]

    @property
    def nodes(self):
        """[{'port', 'pid', 'role', 'id'}] for every node; role is 'master',
        'replica' or 'down' (stopped), as the node itself says (ROLE)."""
        out = []
        for port, node in self.nodes_by_port.items():
            role = "down"
            if node.process is not None:
                first = self.cli(port, "ROLE").split("\n", 1)[0].strip()
                role = {"master": "master", "slave": "replica"}.get(first, first or "unknown")
            out.append({"port": port, "pid": node.pid, "role": role, "id": node.id})
        return out

    def masters(self):
        return [n["port"] for n in self.nodes if n["role"] == "master"]

    def cluster_nodes(self, port):
        """CLUSTER NODES as seen by `port`: [{'id', 'port', 'flags', 'master_id', 'slots'}],
        slots as (first, last) ranges (migration markers left out)."""
        out = []
        for line in self.cli(port, "CLUSTER", "NODES").splitlines():
            fields = line.split()
            if len(fields) < 8:
                continue
            slots = []
            for item in fields[8:]:
                if item.startswith("["):
                    continue
                first, _, last = item.partition("-")
                slots.append((int(first), int(last or first)))
            out.append({"id": fields[0], "port": int(fields[1].split("@")[0].rsplit(":", 1)[1]),
                        "flags": set(fields[2].split(",")), "master_id": fields[3],
                        "slots": slots})
        return out

    def slot_map(self, port):
        """{slot range (first, last): master port} as seen by `port`."""
        return {r: n["port"] for n in self.cluster_nodes(port) if "master" in n["flags"]
                for r in n["slots"]}

    def master_of_slot(self, slot, port=None):
        """The port of the master that owns `slot` (in the view of `port`, or
        of the first running node)."""
        port = port or self.alive_ports()[0]
        for (first, last), owner in self.slot_map(port).items():
            if first <= slot <= last:
                return owner
        return None

    def node_id(self, port):
        return self.nodes_by_port[port].id

    def _problems(self):
        """Why the cluster is not stable yet ([] when it is): every running node
        says cluster_state:ok, sees every running node without a failure flag,
        and all agree on a slot map that covers every slot with running masters."""
        problems = []
        alive = set(self.alive_ports())
        maps = {}
        for port in alive:
            info = self.cli(port, "CLUSTER", "INFO")
            if "cluster_state:ok" not in info:
                problems.append(f"{port}: cluster_state is not ok")
                continue
            view = self.cluster_nodes(port)
            for n in view:
                if n["port"] in alive and n["flags"] & {"fail", "fail?", "handshake", "noaddr"}:
                    problems.append(f"{port} sees {n['port']} as {','.join(sorted(n['flags']))}")
                if n["port"] in alive and "myself" not in n["flags"] and n["id"] != self.node_id(n["port"]):
                    problems.append(f"{port} sees an unknown id on {n['port']}")
            if sorted(n["port"] for n in view) != sorted(self.nodes_by_port):
                problems.append(f"{port} does not know every node yet")
            role = self.cli(port, "ROLE").split("\n", 1)[0].strip()
            if role == "slave" and "master_link_status:up" not in self.cli(port, "INFO",
                                                                          "replication"):
                problems.append(f"{port}: a replica not in sync with its master")
            maps[port] = self.slot_map(port)
            covered = sum(last - first + 1 for first, last in maps[port])
            if covered != self.SLOTS:
                problems.append(f"{port} sees {covered} slots covered")
            for owner in set(maps[port].values()):
                if owner not in alive:
                    problems.append(f"{port} sees slots on the stopped node {owner}")
        if len({tuple(sorted(m.items())) for m in maps.values()}) > 1:
            problems.append("the nodes disagree on the slot map")
        return problems

    def wait_until_stable(self, what="the cluster to be stable", timeout=None):
        deadline = time.monotonic() + (timeout or self.WAIT)
        problems = self._problems()
        while problems and time.monotonic() < deadline:
            time.sleep(0.1)
            problems = self._problems()
        if problems:
            raise AssertionError(f"timed out waiting for {what}: {'; '.join(problems[:6])}\n"
                                 + self._describe())

    def _describe(self):
        out = []
        for port in self.alive_ports()[:1]:
            out.append(f"--- CLUSTER NODES on {port} ---\n" + self.cli(port, "CLUSTER", "NODES"))
        for node in self.nodes_by_port.values():
            out.append(f"--- log of {node.port} ---\n" + self._log_tail(node))
        return "\n".join(out)

    def _log_tail(self, node, lines=15):
        try:
            with open(node.log_path) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    # --- faults and changes ---

    def kill_master(self, port):
        """SIGKILL the master on `port` (a crash). Its replica takes over after
        cluster-node-timeout (1 s) plus an election: see wait_for_failover()."""
        roles = {n["port"]: n["role"] for n in self.nodes}
        if roles.get(port) != "master":
            raise ValueError(f"{port} is not a running master ({roles.get(port)})")
        self._killed_at = time.monotonic()
        self._stop(self.nodes_by_port[port])

    def kill(self, port):
        """SIGKILL any node."""
        self._stop(self.nodes_by_port[port])

    def wait_for_failover(self, timeout=None):
        """Waits until a replica took over every slot of the killed master and
        every running node agrees (cluster_state:ok). Returns the seconds since
        kill_master()."""
        self.wait_until_stable("the failover", timeout)
        self.failover_seconds = time.monotonic() - getattr(self, "_killed_at", time.monotonic())
        return self.failover_seconds

    def restart(self, port, wait=True):
        """Starts the stopped node on `port` again (same port, same nodes.conf):
        a former master rejoins as a replica of the node that took over."""
        node = self.nodes_by_port[port]
        if node.process is not None:
            raise ValueError(f"{port} is running")
        self._start(node)
        if wait:
            self.wait_until_stable(f"node {port} to rejoin")

    def reshard(self, from_port, to_port, count=None, slot=None):
        """Moves slots from the master on `from_port` to the master on `to_port`:
        `count` slots with `redis-cli --cluster reshard` (which picks them and
        migrates their keys), or the one `slot` with CLUSTER SETSLOT IMPORTING /
        MIGRATING, MIGRATE of its keys and SETSLOT NODE on every master (see
        begin_slot_migration() and finish_slot_migration() to stop in between).
        Waits until every node agrees."""
        if (count is None) == (slot is None):
            raise ValueError("reshard: give either count or slot")
        if slot is not None:
            self.begin_slot_migration(slot, from_port, to_port)
            self.finish_slot_migration(slot, from_port, to_port)
            return
        result = self._run(["redis-cli", "--cluster", "reshard", f"127.0.0.1:{from_port}",
                            "--cluster-from", self.node_id(from_port),
                            "--cluster-to", self.node_id(to_port),
                            "--cluster-slots", str(count), "--cluster-yes"])
        if result.returncode != 0:
            raise RuntimeError("redis-cli --cluster reshard failed:\n"
                               + result.stdout[-3000:] + result.stderr)
        self.wait_until_stable("the resharding")

    def _ok(self, port, *args):
        reply = self.cli(port, *args).strip()
        if reply != "OK":
            raise RuntimeError(f"{' '.join(args)} on {port}: {reply!r}")

    def begin_slot_migration(self, slot, from_port, to_port):
        """Marks `slot` IMPORTING on the target and MIGRATING on the source (in
        that order, as redis-cli does): from now on the source answers ASK for
        keys it no longer has."""
        if self.master_of_slot(slot, from_port) != from_port:
            raise ValueError(f"slot {slot} is not on {from_port}")
        self._ok(to_port, "CLUSTER", "SETSLOT", str(slot), "IMPORTING", self.node_id(from_port))
        self._ok(from_port, "CLUSTER", "SETSLOT", str(slot), "MIGRATING", self.node_id(to_port))

    def migrate_keys(self, slot, from_port, to_port):
        """MIGRATEs every key of `slot` from the source to the target."""
        while True:
            keys = [k for k in self.cli(from_port, "CLUSTER", "GETKEYSINSLOT", str(slot), "100")
                    .splitlines() if k]
            if not keys:
                return
            reply = self.cli(from_port, "MIGRATE", "127.0.0.1", str(to_port), "", "0", "5000",
                             "KEYS", *keys).strip()
            if reply not in ("OK", "NOKEY"):
                raise RuntimeError(f"MIGRATE of slot {slot}: {reply!r}")

    def finish_slot_migration(self, slot, from_port, to_port):
        """Moves the slot's keys, then SETSLOT NODE on the target, the source
        and every other master; waits until every node agrees."""
        self.migrate_keys(slot, from_port, to_port)
        target = self.node_id(to_port)
        self._ok(to_port, "CLUSTER", "SETSLOT", str(slot), "NODE", target)
        self._ok(from_port, "CLUSTER", "SETSLOT", str(slot), "NODE", target)
        for port in self.masters():
            if port not in (from_port, to_port):
                self._ok(port, "CLUSTER", "SETSLOT", str(slot), "NODE", target)
        self.wait_until_stable(f"slot {slot} to move to {to_port}")


async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT_SECONDS))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
