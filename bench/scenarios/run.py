"""Runs the standard benchmark scenarios of issue 5 and writes BENCHMARKS.md.

Starts redis-server and pubsub-gateway replicas itself (free ports, the
Release build), drives them with pubsub-loadgen, stops everything, and renders
the figures next to the issue's targets. Invoked by bench/run_scenarios.sh:

  bench/run_scenarios.sh [--build build-f] [--only idle,fanout] [--quick]
                         [--compare-gateway /path/to/older/pubsub-gateway]
                         [--wait-quiet 600] [--out BENCHMARKS.md]

Every loadgen run leaves its JSON report and progress log in
BUILD/bench-results/<time>/; the Markdown quotes the exact commands.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Targets from issue 5 / DESIGN section 10.
TARGETS = {
    "idle": "<= 4 KiB of gateway memory per idle connection; 100k connections on the machine",
    "fanout": "> 1,000,000 deliveries/s; <= 1 us gateway CPU per delivery",
    "latency": "p99 < 2 ms at 50k deliveries/s; p99 < 5 ms at 200k deliveries/s",
    "scoped": "each replica receives only its scopes' events",
    "personal": "events/s end to end (no numeric target)",
    "publish": ">= 80 % of the redis-benchmark PUBLISH ceiling",
    "micro": "generated JSON writer >= 10x faster than protobuf's JSON printer",
    "history": "fan-out cost per delivery with history on vs off; publish throughput with "
               "history; 10,000 clients recovering 100 missed events each after a replica dies: "
               "time to all-recovered and the Redis commands the gateways issued for it (issue 11)",
    "everyday": "gateway CPU per delivery at 50k deliveries/s within 1.2× of a trivial sender's "
                "one write per frame, measured in the same run; p99 at 50k and 200k deliveries/s "
                "(1,000 clients, 2 replicas) within 1 ms of the load generator's own floor "
                "(issue 13)",
    "loops": "deliveries/s and gateway CPU per delivery for 1, 2 (and, where the machine has "
             "them, 4, 8) event loops in one replica (issue 13)",
    "cluster": "publish throughput and Redis CPU per event on one node vs a 3-shard Redis Cluster; "
               "bytes each node receives per event with classic PUBLISH vs sharded SPUBLISH; "
               "how evenly topics spread over the masters",
}


def started_at():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M")


def rel(path):
    return os.path.relpath(path, ROOT)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average():
    return os.getloadavg()[0]


def machine_cpu_seconds():
    """Non-idle CPU seconds of the whole machine since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def our_cpu_seconds():
    """CPU seconds of this script and of its children that have ended."""
    import resource
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def busy_fraction(seconds=2.0):
    """Share of the machine's CPU time not idle over `seconds` (/proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def proc_open_files(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def http_get(port, path, timeout=5):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.read().decode()


def metric(port, name):
    """Sum of a Prometheus metric's samples (over labels)."""
    total = 0.0
    for line in http_get(port, "/metrics").splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def pct(value, of):
    return f"{100 * value / of:.0f} %" if of else "–"


def fmt(value, digits=0):
    if value is None:
        return "–"
    if isinstance(value, float) and digits > 0:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}"


# --- Redis Cluster (the cluster scenario) ------------------------------------
# Topic T's shard channel is "pubsub:{H}T", H = FNV-1a 32-bit of T as 8 lowercase hex digits
# (runtime/src/redis/cluster_keys.h); its slot is CRC16-XMODEM of H mod 16384 (the hash tag;
# runtime/src/redis/cluster_slot.cc).
CLUSTER_SLOTS = 16384
CHANNEL_PREFIX = "pubsub:"


def fnv1a32(data):
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def _crc16_table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
        table.append(crc)
    return table


CRC16_TABLE = _crc16_table()


def crc16_xmodem(data):
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xFF]
    return crc


assert crc16_xmodem(b"123456789") == 0x31C3  # the CRC16/XMODEM check value


def key_slot(key):
    """Redis Cluster's HASH_SLOT of a key or shard channel (bytes): CRC16 of its hash tag
    (between the first '{' and the next '}', when not empty), else of the whole key."""
    open_ = key.find(b"{")
    if open_ >= 0:
        close = key.find(b"}", open_ + 1)
        if close > open_ + 1:
            key = key[open_ + 1:close]
    return crc16_xmodem(key) & (CLUSTER_SLOTS - 1)


def shard_channel(topic):
    """The product's shard channel of `topic` (bytes): pubsub:{H}T."""
    t = topic.encode()
    return CHANNEL_PREFIX.encode() + b"{%08x}" % fnv1a32(t) + t


def topic_slot(topic):
    return key_slot(shard_channel(topic))


def resp(*args):
    """One Redis command in RESP (arguments str or bytes)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def protobuf_field(number, value):
    """One protobuf field: a varint for an int, length-delimited for str or bytes."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    value = value.encode() if isinstance(value, str) else value
    return varint((number << 3) | 2) + varint(len(value)) + value


def comment_envelope(scope, seq, size):
    """A pubsub.Envelope (schema/pubsub/envelope.proto) of a new_comment on track `scope`,
    padded through the comment's content to exactly `size` bytes: what the typed publisher
    puts on the bus for an event without a history position."""
    def build(pad, author):
        comment = (protobuf_field(1, str(scope)) +                        # track_id
                   protobuf_field(2, protobuf_field(1, seq) +              # data.id
                                  protobuf_field(2, "x" * pad) +           # data.content
                                  protobuf_field(3, author)))              # data.author
        return (protobuf_field(1, f"bench-{seq}") +                       # id
                protobuf_field(2, time.time_ns()) +                       # publish_time_unix_nanos
                protobuf_field(3, "new_comment") +                        # type
                protobuf_field(4, f"track_comments:{scope}") +            # topic
                protobuf_field(6, comment))                               # payload
    base = len(build(0, "bench"))
    for author in ("bench", "bench!"):  # a length prefix growing by a byte may skip `size`
        for pad in range(max(size - base - 4, 0), size):
            env = build(pad, author)
            if len(env) == size:
                return env
            if len(env) > size:
                break
    raise ValueError(f"no envelope of {size} bytes")


def raw_publish(plan, batch=500):
    """Sends `plan`, a list of (port, RESP command bytes), over one plain TCP connection per
    port, pipelined `batch` commands at a time per connection, and reads every reply (each a
    one-line integer or error). Returns {"sent", "errors", "first_error", "receivers" (the sum
    of the integer replies), "seconds", "per_port"}."""
    socks = {}
    out = {"sent": 0, "errors": 0, "first_error": "", "receivers": 0, "per_port": {}}
    start = time.time()
    try:
        for port in sorted({p for p, _ in plan}):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks[port] = [s, b""]
        for i in range(0, len(plan), batch):
            chunk = {}
            for port, cmd in plan[i:i + batch]:
                chunk.setdefault(port, []).append(cmd)
            for port, cmds in chunk.items():
                socks[port][0].sendall(b"".join(cmds))
            for port, cmds in chunk.items():
                s, buf = socks[port]
                replies = []
                while len(replies) < len(cmds):
                    if b"\r\n" not in buf:
                        data = s.recv(1 << 16)
                        if not data:
                            raise RuntimeError(f"port {port} closed the connection")
                        buf += data
                        continue
                    line, buf = buf.split(b"\r\n", 1)
                    replies.append(line)
                socks[port][1] = buf
                for line in replies:
                    if line.startswith(b":"):
                        out["receivers"] += int(line[1:])
                    else:
                        out["errors"] += 1
                        out["first_error"] = out["first_error"] or line.decode(errors="replace")
                out["sent"] += len(cmds)
                out["per_port"][port] = out["per_port"].get(port, 0) + len(cmds)
    finally:
        for s, _ in socks.values():
            s.close()
    out["seconds"] = time.time() - start
    return out


def proc_cpu_precise(pid):
    """CPU seconds of every thread of `pid`, in nanoseconds' resolution (/proc/PID/task/*/schedstat:
    time on CPU); /proc/PID/stat's 10 ms ticks when schedstat is not there."""
    try:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        return proc_cpu_seconds(pid)


def proc_io(pid):
    """/proc/PID/io: rchar and wchar (every byte the process read or wrote through read/write
    system calls: its client connections, the cluster bus, replication, files)."""
    out = {}
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v)
    return out


class ClusterNode:
    def __init__(self, port, bus_port, directory):
        self.port, self.bus_port, self.dir = port, bus_port, directory
        self.proc = None
        self.id = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


class BenchCluster:
    """A real Redis Cluster for the benchmarks (the approach of tests/integration/harness.py's
    RedisCluster): 3 masters + 3 replicas, redis-server --cluster-enabled on free ports, joined
    with redis-cli --cluster create (which splits the 16,384 slots evenly); the node processes are
    the Bench's, stopped by PID with the rest."""

    WAIT = 90

    def __init__(self, bench, masters=3, replicas=1, node_timeout_ms=15000):
        self.bench = bench
        self.dir = os.path.join(bench.results, f"cluster-{len(bench.clusters)}")
        bench.clusters.append(self)
        self.node_timeout_ms = node_timeout_ms
        self.masters, self.replicas = masters, replicas
        self.nodes = []
        started = time.time()
        for _ in range(masters * (1 + replicas)):
            self._add_node()
        addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
        self.create_cmd = ["redis-cli", "--cluster", "create", *addresses,
                           "--cluster-replicas", str(replicas), "--cluster-yes"]
        result = subprocess.run(self.create_cmd, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=self.WAIT)
        with open(os.path.join(self.dir, "create.log"), "w") as f:
            f.write(result.stdout + result.stderr)
        if result.returncode != 0 or "[OK] All 16384 slots covered" not in result.stdout:
            raise RuntimeError("redis-cli --cluster create failed:\n" + result.stdout + result.stderr)
        for n in self.nodes:
            n.id = self.cli(n.port, "CLUSTER", "MYID").strip()
        self.wait_until_stable()
        self.startup_seconds = time.time() - started

    def _add_node(self):
        for _ in range(5):
            port, bus_port = free_port(), free_port()
            if port == bus_port:
                continue
            node = ClusterNode(port, bus_port, os.path.join(self.dir, str(port)))
            os.makedirs(node.dir, exist_ok=True)
            cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                   "--cluster-enabled", "yes", "--cluster-port", str(bus_port),
                   "--cluster-config-file", "nodes.conf",
                   "--cluster-node-timeout", str(self.node_timeout_ms),
                   "--appendonly", "no", "--save", "", "--dir", node.dir,
                   "--logfile", os.path.join(node.dir, "redis.log"), "--loglevel", "notice",
                   "--maxclients", "2000"]
            node.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            self.bench.procs.append((node.proc, "redis-cluster"))
            deadline = time.time() + 20
            while time.time() < deadline and node.proc.poll() is None:
                if self.cli(port, "PING").strip() == "PONG":
                    self.nodes.append(node)
                    return node
                time.sleep(0.05)
            self.bench.stop([node.proc.pid])
        raise RuntimeError("could not start a cluster node (see " + self.dir + ")")

    def cli(self, port, *args):
        try:
            return subprocess.run(["redis-cli", "-p", str(port), *[str(a) for a in args]],
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                  timeout=20).stdout
        except subprocess.TimeoutExpired:
            return ""

    @property
    def url(self):
        return "redis-cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    @property
    def pids(self):
        return [n.pid for n in self.nodes]

    def node(self, port):
        return next(n for n in self.nodes if n.port == port)

    def topology(self):
        """[(master port, [(first, last) slot ranges], [replica ports])], masters by first slot,
        from CLUSTER NODES of the first node."""
        masters, replicas = {}, {}
        for line in self.cli(self.nodes[0].port, "CLUSTER", "NODES").splitlines():
            f = line.split()
            if len(f) < 8:
                continue
            port = int(f[1].split("@")[0].rsplit(":", 1)[1])
            if "master" in f[2].split(","):
                ranges = []
                for item in f[8:]:
                    if not item.startswith("["):
                        first, _, last = item.partition("-")
                        ranges.append((int(first), int(last or first)))
                masters[f[0]] = (port, sorted(ranges))
            else:
                replicas.setdefault(f[3], []).append(port)
        out = [(port, ranges, sorted(replicas.get(node_id, [])))
               for node_id, (port, ranges) in masters.items()]
        return sorted(out, key=lambda m: m[1][0] if m[1] else (CLUSTER_SLOTS, 0))

    def slot_owner(self):
        """A list of 16,384 master ports: who owns each slot."""
        owner = [None] * CLUSTER_SLOTS
        for port, ranges, _ in self.topology():
            for first, last in ranges:
                for s in range(first, last + 1):
                    owner[s] = port
        return owner

    def problems(self):
        out = []
        for n in self.nodes:
            if "cluster_state:ok" not in self.cli(n.port, "CLUSTER", "INFO"):
                out.append(f"{n.port}: cluster_state is not ok")
            if "master_link_status:down" in self.cli(n.port, "INFO", "replication"):
                out.append(f"{n.port}: replica not in sync")
        topo = self.topology()
        covered = sum(last - first + 1 for _, ranges, _ in topo for first, last in ranges)
        if covered != CLUSTER_SLOTS:
            out.append(f"{covered} slots covered")
        if len(topo) != self.masters or any(len(r) != self.replicas for _, _, r in topo):
            out.append(f"not {self.masters} masters with {self.replicas} replica(s) each yet")
        return out

    def wait_until_stable(self):
        deadline = time.time() + self.WAIT
        problems = self.problems()
        while problems and time.time() < deadline:
            time.sleep(0.2)
            problems = self.problems()
        if problems:
            raise RuntimeError("the cluster did not become stable: " + "; ".join(problems))

    def info(self, port, *sections):
        """INFO / CLUSTER INFO fields of a node as {name: value} (numbers where they are)."""
        out = {}
        for section in sections:
            text = (self.cli(port, "CLUSTER", "INFO") if section == "cluster-info"
                    else self.cli(port, "INFO", section))
            for line in text.splitlines():
                if ":" in line and not line.startswith("#"):
                    k, v = line.strip().split(":", 1)
                    try:
                        out[k] = float(v) if "." in v else int(v)
                    except ValueError:
                        out[k] = v
        return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.join(ROOT, args.build)
        self.gateway_bin = os.path.join(self.build, "server", "pubsub-gateway")
        self.loadgen_bin = os.path.join(self.build, "tools", "loadgen", "pubsub-loadgen")
        self.json_bench_bin = os.path.join(self.build, "bench", "json_benchmark")
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.results = os.path.join(self.build, "bench-results", stamp)
        os.makedirs(self.results, exist_ok=True)
        self.procs = []  # (Popen, name) we started, stopped at the end
        self.sections = []  # Markdown sections, in order
        self.summary = []  # rows of the summary table
        self.q = 0.4 if args.quick else 1.0  # duration scale
        self.floor = {}  # rate -> latency of the trivial sender (ceiling scenario)
        self.started = 0  # gateways started (names their logs)
        self.busy = {}  # scenario -> share of CPU busy (other work) just before it
        self.clusters = []  # BenchCluster instances (cluster scenario)

    # --- processes ---------------------------------------------------------
    def start_redis(self):
        port = free_port()
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        log = open(os.path.join(self.results, f"redis-{port}.log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((proc, "redis"))
        for _ in range(200):
            try:
                out = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                     text=True, timeout=2).stdout
                if "PONG" in out:
                    break
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.05)
        return {"pid": proc.pid, "port": port, "url": f"redis://127.0.0.1:{port}",
                "cmd": shlex.join(cmd)}

    def start_gateway(self, bus, binary=None, grpc=False, extra=()):
        binary = binary or self.gateway_bin
        cmd = [binary, "--listen", "127.0.0.1:0", "--bus", bus, "--dev-auth"]
        if grpc:
            cmd += ["--grpc-listen", "127.0.0.1:0"]
        cmd += [str(a) for a in extra]
        self.started += 1
        err_path = os.path.join(self.results, f"gateway-{self.started}.err")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(err_path, "w"), text=True)
        self.procs.append((proc, "gateway"))
        line = proc.stdout.readline()
        m = re.search(r"listening on http://[\d.]+:(\d+)(?:\s+grpc=[\d.]+:(\d+))?", line)
        if not m:
            raise RuntimeError(f"gateway did not start: {line!r} (see {err_path})")
        g = {"pid": proc.pid, "port": int(m.group(1)), "proc": proc, "err": err_path,
             "grpc_port": int(m.group(2)) if m.group(2) else None,
             "cmd": shlex.join([rel(binary)] + cmd[1:])}
        # Ready: bus connected.
        for _ in range(200):
            try:
                if http_get(g["port"], "/readyz").startswith("ready"):
                    break
            except Exception:
                pass
            time.sleep(0.05)
        return g

    def stop(self, which=None):
        """Stops processes we started (all, or those in `which`)."""
        keep = []
        for proc, name in self.procs:
            if which is not None and proc.pid not in which:
                keep.append((proc, name))
                continue
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs = keep

    # --- loadgen -----------------------------------------------------------
    def loadgen_cmd(self, tag, args):
        return [self.loadgen_bin] + [str(a) for a in args] + ["--json", "--label", tag]

    def shown(self, cmd):
        return shlex.join([rel(cmd[0])] + cmd[1:])

    def loadgen(self, tag, args, background=False):
        cmd = self.loadgen_cmd(tag, args)
        log = open(os.path.join(self.results, f"{tag}.log"), "w")
        print(f"  $ {self.shown(cmd)}", flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        if background:
            return proc, cmd
        return self.finish(tag, proc, cmd)

    def finish(self, tag, proc, cmd):
        out, _ = proc.communicate()
        try:
            report = json.loads(out)
        except json.JSONDecodeError:
            report = {"ok": False, "error": f"no JSON (exit {proc.returncode}); see {tag}.log"}
        report["_cmd"] = self.shown(cmd)
        report["_exit"] = proc.returncode
        with open(os.path.join(self.results, f"{tag}.json"), "w") as f:
            json.dump(report, f, indent=1)
        status = "ok" if report.get("ok") else "NOT OK: " + report.get("error", "")
        print(f"    -> {status}", flush=True)
        return report

    def section(self, title, target, lines):
        self.sections.append([f"## {title}", "", f"Target: {target}.", ""] + lines + [""])

    # --- scenarios ---------------------------------------------------------
    def ceiling(self):
        lines = ["The generator against its built-in trivial sender (pre-built frames of the same "
                 "shape as the gateway's new_broadcast events, sent by one thread as fast as the "
                 "sockets take them): the most frames/s one loadgen process can receive and parse "
                 "on this machine. Every gateway figure below is bounded by it.", "",
                 "| client threads | clients | frames/s received | loadgen CPU s | command |",
                 "|---|---|---|---|---|"]
        for threads in (1, 2):
            r = self.loadgen(f"ceiling-t{threads}", ["--ceiling", "--clients", 1000,
                                                     "--duration", 5 * self.q, "--threads", threads])
            d = r.get("deliveries", {})
            lines.append(f"| {threads} | 1,000 | **{fmt(d.get('achieved_per_second'))}** | "
                         f"{fmt(r.get('loadgen_cpu_seconds'), 2)} | `{r['_cmd']}` |")
            if threads == 1:
                self.summary.append(("Generator ceiling (1 thread)", "—",
                                     f"{fmt(d.get('achieved_per_second'))} frames/s", r["_cmd"]))
        lines += ["", "Latency floor: the same trivial sender, paced — one frame to each of 1,000 "
                  "clients per round, 50 or 200 rounds a second, as the latency scenario's events, "
                  "received by 2 loadgen threads "
                  "— so the latency measured is that of the machine, the kernel and the generator "
                  "alone, without any gateway.", "",
                  "| rounds/s | frames/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | command |",
                  "|---|---|---|---|---|---|---|---|"]
        for rate in (50, 200):
            r = self.loadgen(f"floor-{rate}", ["--ceiling", "--clients", 1000, "--rate", rate,
                                                "--duration", 10 * self.q, "--threads", 2])
            d, lat = r.get("deliveries", {}), r.get("latency_us", {})
            self.floor[rate] = lat
            lines.append(f"| {rate} | {fmt(d.get('achieved_per_second'))} | {fmt(lat.get('p50'))} | "
                         f"{fmt(lat.get('p90'))} | {fmt(lat.get('p99'))} | {fmt(lat.get('p99_9'))} | "
                         f"{fmt(lat.get('max'))} | `{r['_cmd']}` |")
        self.sections.append(["## Generator ceiling", ""] + lines + [""])

    def idle(self):
        lines = []
        # 10k on one replica.
        redis = self.start_redis()
        g = self.start_gateway(redis["url"])
        r = self.loadgen("idle-10k", ["--url", f"ws://127.0.0.1:{g['port']}", "--clients", 10000,
                                      "--hold", 5, "--gateway-pid", g["pid"],
                                      "--redis-pid", redis["pid"]])
        gw = (r.get("gateways") or [{}])[0]
        per_conn = r.get("gateway", {}).get("idle_kib_per_connection")
        tcp = r.get("tcp_memory_kib", {})
        connected = r.get("connect", {}).get("connected", 0)
        tcp_per = ((tcp.get("idle", 0) - tcp.get("before", 0)) / connected) if connected else None
        lines += ["### 10,000 idle connections on one replica", "",
                  f"Gateway: `{g['cmd']}` (Redis bus); clients on /ws/broadcasts.", "",
                  "| figure | value |", "|---|---|",
                  f"| connected | {fmt(connected)} in {fmt(r.get('connect', {}).get('seconds'), 2)} s |",
                  f"| gateway RSS before → idle | {fmt(gw.get('rss_before_kib'))} KiB → "
                  f"{fmt(gw.get('rss_idle_kib'))} KiB |",
                  f"| **gateway memory per idle connection** | **{fmt(per_conn, 2)} KiB** "
                  f"(target ≤ 4 KiB) |",
                  f"| gateway open files | {fmt(gw.get('open_files_idle'))} |",
                  f"| kernel TCP buffer memory (/proc/net/sockstat \"mem\": idle sockets hold no buffers) | "
                  f"{fmt(tcp_per, 2)} KiB per connection |",
                  "", f"Command: `{r['_cmd']}`", ""]
        self.summary.append(("Idle memory, 10k on one replica", "≤ 4 KiB/conn",
                             f"{fmt(per_conn, 2)} KiB/conn", r["_cmd"]))
        self.stop([g["pid"]])

        # 100k across several gateway processes (each < 20,000 files).
        total = 20000 if self.args.quick else 100000
        per = 16667
        n = math.ceil(total / per)
        gateways = [self.start_gateway(redis["url"]) for _ in range(n)]
        procs = []
        hold = 45
        for i, gw in enumerate(gateways):
            count = min(per, total - i * per)
            procs.append(self.loadgen(f"idle-100k-{i}", [
                "--url", f"ws://127.0.0.1:{gw['port']}", "--clients", count,
                "--client-offset", i * per, "--hold", hold, "--gateway-pid", gw["pid"],
                "--quiet"], background=True))
        # While they hold: are all connected at once?
        start = time.time()
        peak = 0
        peak_rss = 0
        peak_at = None
        while time.time() - start < hold + 60:
            try:
                now = sum(json.loads(http_get(gw["port"], "/api/stats"))["connections"]
                          for gw in gateways)
            except Exception:
                now = 0
            if now > peak:
                peak = now
                peak_rss = sum(proc_rss_kib(gw["pid"]) for gw in gateways)
                peak_at = time.time() - start
            if now >= total or all(p.poll() is not None for p, _ in procs):
                break
            time.sleep(0.5)
        reports = [self.finish(f"idle-100k-{i}", p, c) for i, (p, c) in enumerate(procs)]
        kib = [rep.get("gateway", {}).get("idle_kib_per_connection") or 0 for rep in reports]
        failed = sum(rep.get("connect", {}).get("failed", 0) for rep in reports)
        lines += [f"### {total:,} idle connections on the machine", "",
                  f"{n} gateway processes on one Redis (each below its 20,000-file limit), "
                  f"{n} loadgen processes of at most {per:,} clients (disjoint --client-offset), "
                  "started together; each holds its clients for "
                  f"{hold} s while the script sums `/api/stats` of every gateway.", "",
                  "| figure | value |", "|---|---|",
                  f"| **open WebSocket connections at once** (sum of /api/stats) | **{fmt(peak)}** "
                  f"(after {fmt(peak_at, 1)} s) |",
                  f"| clients that failed | {fmt(failed)} |",
                  f"| gateways' RSS at that moment | {fmt(peak_rss / 1024, 1)} MiB |",
                  f"| gateway memory per idle connection (per process) | "
                  f"{', '.join(fmt(k, 2) for k in kib)} KiB |",
                  "", "Commands (run in parallel):", ""]
        lines += [f"    {rep['_cmd']}" for rep in reports]
        lines += [""]
        self.summary.append((f"{total:,} idle connections ({n} gateways)", "100k",
                             f"{fmt(peak)} open at once, {fmt(max(kib), 2)} KiB/conn max",
                             reports[0]["_cmd"] + " (×%d)" % n))
        self.stop([gw["pid"] for gw in gateways])

        # A gateway at its file limit refuses cleanly and keeps serving.
        lines += self.fd_limit(redis)
        self.stop([redis["pid"]])
        self.section("1. Idle memory and connection count", TARGETS["idle"], lines)

    def fd_limit(self, redis):
        g = self.start_gateway(redis["url"])
        base_files = proc_open_files(g["pid"])
        hold_clients = 20000 - 64 - 40  # what one loadgen may hold
        a_proc, a_cmd = self.loadgen("fdlimit-holder", [
            "--url", f"ws://127.0.0.1:{g['port']}", "--clients", hold_clients, "--hold", 60,
            "--publish-via", "redis", "--redis", redis["url"], "--rate", 20, "--duration", 2,
            "--gateway-pid", g["pid"], "--quiet"], background=True)
        start = time.time()
        while time.time() - start < 60:
            try:
                if json.loads(http_get(g["port"], "/api/stats"))["connections"] >= hold_clients:
                    break
            except Exception:
                pass
            time.sleep(0.2)
        files_full = proc_open_files(g["pid"])
        cpu0 = proc_cpu_seconds(g["pid"])
        t0 = time.time()
        b = self.loadgen("fdlimit-extra", [
            "--url", f"ws://127.0.0.1:{g['port']}", "--clients", 300, "--client-offset", 100000,
            "--allow-refused", "--connect-timeout", 40, "--hold", 2, "--quiet"])
        cpu1 = proc_cpu_seconds(g["pid"])
        t1 = time.time()
        a = self.finish("fdlimit-holder", a_proc, a_cmd)
        accept_errors = None
        try:
            accept_errors = metric(g["port"], "pubsub_accept_errors_total")
        except Exception as e:  # noqa: BLE001
            accept_errors = f"unreadable: {e}"
        with open(g["err"]) as f:
            warnings = sum(1 for line in f if "cannot accept" in line)
        alive = g["proc"].poll() is None
        self.stop([g["pid"]])
        failures = b.get("connect", {}).get("failures", {})
        fail_text = "; ".join(f"{n:,}: {reason}" for reason, n in failures.items()) or "none"
        ad = a.get("deliveries", {})
        return ["### A gateway at its file limit", "",
                f"One gateway; a first loadgen holds {hold_clients:,} clients (the gateway then "
                f"has {files_full:,} open files of its 20,000), a second one tries 300 more.", "",
                "| figure | value |", "|---|---|",
                f"| extra clients upgraded / failed | {fmt(b.get('connect', {}).get('connected'))} /"
                f" {fmt(b.get('connect', {}).get('failed'))} |",
                f"| how the extra clients failed | {fail_text} |",
                f"| time until every extra client was upgraded or had failed | "
                f"{fmt(b.get('connect', {}).get('seconds'), 1)} s (client timeout 40 s) |",
                f"| gateway CPU while refusing ({t1 - t0:.1f} s) | {cpu1 - cpu0:.2f} s "
                f"({100 * (cpu1 - cpu0) / (t1 - t0):.0f} % of one core: no busy loop) |",
                f"| `pubsub_accept_errors_total` afterwards | {accept_errors} |",
                f"| 'cannot accept' warnings in the gateway log | {warnings} |",
                f"| held clients: events published after the refusals, lost | "
                f"{fmt(a.get('publish', {}).get('events_sent'))} events, "
                f"{fmt(ad.get('received'))} of {fmt(ad.get('expected'))} deliveries received, "
                f"lost {fmt(ad.get('lost'))} |",
                f"| gateway still running | {'yes' if alive else 'NO'} |",
                "", f"Commands: `{a['_cmd']}` then `{b['_cmd']}`", ""]

    def fanout_run(self, tag, n_gateways, binary=None, duration=10, gateway_args=()):
        redis = self.start_redis()
        gws = [self.start_gateway(redis["url"], binary=binary, extra=gateway_args)
               for _ in range(n_gateways)]
        args = []
        for g in gws:
            args += ["--url", f"ws://127.0.0.1:{g['port']}"]
        for g in gws:
            args += ["--gateway-pid", g["pid"]]
        args += ["--redis-pid", redis["pid"], "--clients", 1000, "--publish-via", "redis",
                 "--redis", redis["url"], "--rate", "max", "--window", 32,
                 "--duration", duration * self.q, "--warmup", 1]
        r = self.loadgen(tag, args)
        self.stop([g["pid"] for g in gws] + [redis["pid"]])
        return r

    def fanout_row(self, label, r):
        d, gw, lat = r.get("deliveries", {}), r.get("gateway", {}), r.get("latency_us", {})
        return (f"| {label} | **{fmt(d.get('achieved_per_second'))}** | {fmt(d.get('lost'))} | "
                f"**{fmt(gw.get('cpu_us_per_delivery'), 3)}** | {fmt(gw.get('cpu_seconds'), 2)} | "
                f"{fmt(r.get('redis_cpu_seconds'), 2)} | {fmt(r.get('loadgen_cpu_seconds'), 2)} | "
                f"{fmt(lat.get('p50'))} / {fmt(lat.get('p99'))} |")

    def fanout(self):
        header = ["| setup | deliveries/s | lost | gateway CPU µs/delivery | gateway CPU s | "
                  "Redis CPU s | loadgen CPU s | latency p50 / p99 µs |",
                  "|---|---|---|---|---|---|---|---|"]
        lines = ["1,000 clients on /ws/broadcasts, events published through the typed C++ "
                 "publisher to Redis as fast as the clients take them (`--rate max`: at most 32 "
                 "events in flight end to end, so nothing queues without bound and nothing is "
                 "lost).", ""] + header
        cmds = []
        for n in (2, 1):
            r = self.fanout_run(f"fanout-{n}gw", n)
            lines.append(self.fanout_row(f"{n} replica(s)", r))
            cmds.append(r["_cmd"])
            if n == 2:
                self.summary.append(("Fan-out, 1,000 clients, 2 replicas", "> 1M/s, ≤ 1 µs",
                                     f"{fmt(r.get('deliveries', {}).get('achieved_per_second'))}/s, "
                                     f"{fmt(r.get('gateway', {}).get('cpu_us_per_delivery'), 3)} µs",
                                     r["_cmd"]))
            if self.args.compare_gateway:
                rb = self.fanout_run(f"fanout-{n}gw-before", n, binary=self.args.compare_gateway)
                lines.append(self.fanout_row(f"{n} replica(s), gateway before the optimisation", rb))
                cmds.append(rb["_cmd"] + "   # gateway: " + self.args.compare_gateway)
        lines += ["", "Commands:", ""] + [f"    {c}" for c in cmds] + [""]
        self.section("2. Fan-out throughput", TARGETS["fanout"], lines)

    def latency_run(self, tag, rate, binary=None, replicas=2, gateway_args=()):
        redis = self.start_redis()
        gws = [self.start_gateway(redis["url"], binary=binary, extra=gateway_args)
               for _ in range(replicas)]
        args = []
        for g in gws:
            args += ["--url", f"ws://127.0.0.1:{g['port']}", "--gateway-pid", g["pid"]]
        args += ["--redis-pid", redis["pid"], "--clients", 1000, "--publish-via", "redis",
                 "--redis", redis["url"], "--rate", rate, "--duration", 10 * self.q,
                 "--warmup", 1, "--threads", 2]
        r = self.loadgen(tag, args)
        self.stop([g["pid"] for g in gws] + [redis["pid"]])
        return r

    def latency_row(self, label, r):
        d, lat, gw = r.get("deliveries", {}), r.get("latency_us", {}), r.get("gateway", {})
        return (f"| {label} | {fmt(d.get('offered_per_second'))} | "
                f"{fmt(d.get('achieved_per_second'))} | {fmt(d.get('lost'))} | {fmt(lat.get('p50'))} | "
                f"{fmt(lat.get('p90'))} | **{fmt(lat.get('p99'))}** | {fmt(lat.get('p99_9'))} | "
                f"{fmt(lat.get('max'))} | {fmt(gw.get('cpu_us_per_delivery'), 3)} |")

    def latency(self):
        lines = ["1,000 clients on /ws/broadcasts over 2 replicas and Redis; events through the "
                 "typed publisher to Redis at a fixed rate; latency = client receive time − the "
                 "send time the event carries (first second excluded). The loadgen runs 2 client "
                 "threads here, as in the floor measurement beside it.", "",
                 "| events/s | offered deliveries/s | achieved | lost | p50 µs | p90 µs | p99 µs | "
                 "p99.9 µs | max µs | gateway CPU µs/delivery |",
                 "|---|---|---|---|---|---|---|---|---|---|"]
        cmds = []
        for rate in (50, 200):
            r = self.latency_run(f"latency-{rate}", rate)
            lines.append(self.latency_row(f"{rate} (2 replicas)", r))
            cmds.append(r["_cmd"])
            r1 = self.latency_run(f"latency-{rate}-1gw", rate, replicas=1)
            lines.append(self.latency_row(f"{rate} (1 replica)", r1))
            cmds.append(r1["_cmd"])
            if rate in self.floor:
                f = self.floor[rate]
                lines.append(f"| {rate}: trivial sender, no gateway (floor) | | | | {fmt(f.get('p50'))} | "
                             f"{fmt(f.get('p90'))} | {fmt(f.get('p99'))} | {fmt(f.get('p99_9'))} | "
                             f"{fmt(f.get('max'))} | |")
            target = "2 ms" if rate == 50 else "5 ms"
            self.summary.append((f"Latency, {rate} events/s × 1,000 clients",
                                 f"p99 < {target}",
                                 f"p50 {fmt(r.get('latency_us', {}).get('p50'))} µs, "
                                 f"p99 {fmt(r.get('latency_us', {}).get('p99'))} µs", r["_cmd"]))
            if self.args.compare_gateway:
                rb = self.latency_run(f"latency-{rate}-before", rate,
                                      binary=self.args.compare_gateway)
                lines.append(self.latency_row(f"{rate} (gateway before the optimisation)", rb))
                cmds.append(rb["_cmd"] + "   # gateway: " + self.args.compare_gateway)
        lines += ["", "Commands:", ""] + [f"    {c}" for c in cmds] + [""]
        self.section("3. Latency", TARGETS["latency"], lines)

    def scoped(self):
        redis = self.start_redis()
        gws = [self.start_gateway(redis["url"]) for _ in range(2)]
        args = []
        for g in gws:
            args += ["--url", f"ws://127.0.0.1:{g['port']}", "--gateway-pid", g["pid"]]
        args += ["--redis-pid", redis["pid"], "--clients", 10000, "--path", "/ws/comments/{scope}",
                 "--scopes", 1000, "--connect-concurrency", 1, "--publish-via", "redis",
                 "--redis", redis["url"], "--rate", "max", "--window", 512,
                 "--duration", 10 * self.q]
        before = [metric(g["port"], "pubsub_events_in_total") for g in gws]
        r = self.loadgen("scoped", args)
        after = [metric(g["port"], "pubsub_events_in_total") for g in gws]
        self.stop([g["pid"] for g in gws] + [redis["pid"]])
        sent = r.get("publish", {}).get("events_sent", 0)
        d, lat, gw = r.get("deliveries", {}), r.get("latency_us", {}), r.get("gateway", {})
        lines = ["10,000 clients over 1,000 track scopes (/ws/comments/{scope}; client i is on "
                 "track i mod 1000 and on replica i mod 2, so replica 0 holds the even tracks and "
                 "replica 1 the odd ones); events to random tracks through the typed publisher to "
                 "Redis, `--rate max` with 512 events in flight.", "",
                 "| figure | value |", "|---|---|",
                 f"| events published | {fmt(sent)} ({fmt(sent / max(r.get('publish', {}).get('seconds', 1), 1e-9))}/s) |",
                 f"| **deliveries/s** | **{fmt(d.get('achieved_per_second'))}** (lost {fmt(d.get('lost'))}) |",
                 f"| events end to end | {fmt(d.get('events_per_second_end_to_end'))}/s |",
                 f"| latency p50 / p99 | {fmt(lat.get('p50'))} / {fmt(lat.get('p99'))} µs |",
                 f"| gateway CPU per delivery | {fmt(gw.get('cpu_us_per_delivery'), 3)} µs |"]
        for i in range(2):
            got = after[i] - before[i]
            lines.append(f"| **events replica {i} received from Redis** | **{fmt(got)}** "
                         f"({100 * got / sent if sent else 0:.1f} % of those published) |")
        lines += ["", f"Command: `{r['_cmd']}`", ""]
        self.summary.append(("Scoped, 10k clients / 1,000 tracks", "only its scopes",
                             f"{fmt(d.get('achieved_per_second'))} deliveries/s; replicas got "
                             f"{100 * (after[0] - before[0]) / max(sent, 1):.0f} % / "
                             f"{100 * (after[1] - before[1]) / max(sent, 1):.0f} % of events",
                             r["_cmd"]))
        self.section("4. Scoped delivery", TARGETS["scoped"], lines)

    def personal(self):
        redis = self.start_redis()
        gws = [self.start_gateway(redis["url"]) for _ in range(2)]
        args = []
        for g in gws:
            args += ["--url", f"ws://127.0.0.1:{g['port']}", "--gateway-pid", g["pid"]]
        args += ["--redis-pid", redis["pid"], "--clients", 10000, "--path", "/ws/notifications",
                 "--connect-concurrency", 1, "--publish-via", "redis", "--redis", redis["url"],
                 "--rate", "max", "--window", 256, "--duration", 10 * self.q]
        r = self.loadgen("personal", args)
        self.stop([g["pid"] for g in gws] + [redis["pid"]])
        d, lat, gw = r.get("deliveries", {}), r.get("latency_us", {}), r.get("gateway", {})
        lines = ["10,000 users (u0..u9999, one client each on /ws/notifications, over 2 "
                 "replicas); private_message events to random users through the typed "
                 "publisher's PublishToUser (topic notifications@uN), `--rate max` with 256 in "
                 "flight.", "",
                 "| figure | value |", "|---|---|",
                 f"| **events/s end to end** | **{fmt(d.get('events_per_second_end_to_end'))}** "
                 f"(lost {fmt(d.get('lost'))}) |",
                 f"| latency p50 / p99 | {fmt(lat.get('p50'))} / {fmt(lat.get('p99'))} µs |",
                 f"| gateway CPU per delivery | {fmt(gw.get('cpu_us_per_delivery'), 3)} µs |",
                 f"| Redis CPU | {fmt(r.get('redis_cpu_seconds'), 2)} s |",
                 "", f"Command: `{r['_cmd']}`", ""]
        self.summary.append(("Personal, 10k users", "—",
                             f"{fmt(d.get('events_per_second_end_to_end'))} events/s", r["_cmd"]))
        self.section("5. Personal delivery", TARGETS["personal"], lines)

    def publish(self):
        redis = self.start_redis()
        g = self.start_gateway(redis["url"], grpc=True)
        rows = []
        for via, extra in (("redis", ["--redis", redis["url"]]), ("grpc", ["--grpc", f"127.0.0.1:{g['grpc_port']}"]),
                           ("http", [])):
            r = self.loadgen(f"publish-{via}", ["--url", f"ws://127.0.0.1:{g['port']}", "--clients", 0,
                                                "--publish-via", via, *extra, "--rate", "max",
                                                "--duration", 5 * self.q, "--gateway-pid", g["pid"],
                                                "--redis-pid", redis["pid"]])
            p = r.get("publish", {})
            rate = p.get("events_acked", 0) / p["seconds"] if p.get("seconds") else 0
            rows.append((via, rate, p, r))
        self.stop([g["pid"]])
        payload = "x" * 200
        bench = {}
        for clients, pipeline in ((50, 1), (1, 64), (50, 16)):
            cmd = ["redis-benchmark", "-p", str(redis["port"]), "-q", "-n", str(int(2000000 * self.q)),
                   "-c", str(clients), "-P", str(pipeline), "PUBLISH", "pubsub:bench", payload]
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
            m = re.findall(r"([\d.]+) requests per second", out)
            bench[(clients, pipeline)] = (float(m[-1]) if m else 0, shlex.join(cmd[:-1]) + " <200 B>")
        self.stop([redis["pid"]])
        default = bench[(50, 1)][0]  # what plain `redis-benchmark` (50 clients) shows
        same_shape = bench[(1, 64)][0]  # one pipelined connection, like RedisBus
        best = max(rps for rps, _ in bench.values())
        lines = ["Events published as fast as each path takes them (`--clients 0`: no "
                 "subscribers, so only the publishing path is measured), against `redis-benchmark` "
                 "PUBLISH of a 200-byte message (about the size of an envelope) on the same Redis. "
                 "(`redis-benchmark -t publish` is not a test in Redis 7.0's redis-benchmark: the "
                 "PUBLISH command is given explicitly.)", "",
                 "| path | events/s | of redis-benchmark's default (50 connections, no pipeline) | "
                 "of 1 connection pipelined | of the best | failed | command |",
                 "|---|---|---|---|---|---|---|"]
        for via, rate, p, r in rows:
            name = {"redis": "typed C++ publisher → RedisBus (1 pipelined connection)",
                    "grpc": "gRPC PublishStream (4 streams) → gateway → Redis",
                    "http": "HTTP POST /api/publish (4 keep-alive pipelined connections) → gateway → Redis"}[via]
            lines.append(f"| {name} | **{fmt(rate)}** | {pct(rate, default)} | {pct(rate, same_shape)} | "
                         f"{pct(rate, best)} | {fmt(p.get('events_failed'))} | `{r['_cmd']}` |")
        for (clients, pipeline), (rps, cmd) in bench.items():
            lines.append(f"| redis-benchmark PUBLISH, {clients} connection(s), pipeline {pipeline} | "
                         f"{fmt(rps)} | {pct(rps, default)} | {pct(rps, same_shape)} | {pct(rps, best)} | "
                         f"– | `{cmd}` |")
        lines.append("")
        self.summary.append(("Publish path, typed publisher → Redis", "≥ 80 % of ceiling",
                             f"{fmt(rows[0][1])}/s = {pct(rows[0][1], default)} of redis-benchmark's "
                             f"default {fmt(default)}/s, {pct(rows[0][1], same_shape)} of 1 pipelined "
                             f"connection ({fmt(same_shape)}/s)", rows[0][3]["_cmd"]))
        self.section("6. Publish path", TARGETS["publish"], lines)

    def micro(self):
        if not os.path.exists(self.json_bench_bin):
            self.section("7. Micro benchmarks", TARGETS["micro"],
                         [f"`{rel(self.json_bench_bin)}` is not built: "
                          f"`cmake --build {self.args.build} --target json_benchmark`."])
            return
        cmd = [self.json_bench_bin, "--benchmark_min_time=0.3", "--benchmark_format=json"]
        print(f"  $ {self.shown(cmd)}", flush=True)
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        with open(os.path.join(self.results, "json_benchmark.json"), "w") as f:
            f.write(out)
        data = json.loads(out)
        lines = ["`bench/json_benchmark.cc` (Google Benchmark, another part of the project): the "
                 "generated JSON writer against protobuf's reflective `MessageToJsonString`, and "
                 "the envelope work around them.", "",
                 "| event | generated writer ns | protobuf JSON printer ns | speed-up |",
                 "|---|---|---|---|"]
        times = {b["name"]: b["real_time"] for b in data.get("benchmarks", [])}
        ratios = []
        for name, ns in times.items():
            if name.startswith("Generated/") and "Protobuf/" + name[10:] in times:
                ratio = times["Protobuf/" + name[10:]] / ns
                ratios.append(ratio)
                lines.append(f"| {name[10:]} | {ns:,.0f} | {times['Protobuf/' + name[10:]]:,.0f} | "
                             f"**{ratio:.0f}×** |")
        lines += ["", "| other | ns per op |", "|---|---|"]
        for name, ns in times.items():
            if not name.startswith(("Generated/", "Protobuf/")):
                lines.append(f"| {name} | {ns:,.0f} |")
        if ratios:
            self.summary.append(("Micro: generated JSON writer vs protobuf", "≥ 10×",
                                 f"{min(ratios):.0f}× to {max(ratios):.0f}× faster",
                                 self.shown(cmd)))
        lines += ["", f"Command: `{self.shown(cmd)}`", ""]
        self.section("7. Micro benchmarks", TARGETS["micro"], lines)

    def compare(self):
        """Before/after of the optimisation: the same scenarios alternately with the older
        gateway binary (--compare-gateway) and this build's, 3 times each, medians."""
        if not self.args.compare_gateway:
            return
        rounds = 3
        cases = [("fan-out, 2 replicas", lambda tag, b: self.fanout_run(tag, 2, binary=b, duration=8),
                  "deliveries"),
                 ("fan-out, 1 replica", lambda tag, b: self.fanout_run(tag, 1, binary=b, duration=8),
                  "deliveries"),
                 ("latency, 50 events/s, 2 replicas", lambda tag, b: self.latency_run(tag, 50, binary=b),
                  "latency"),
                 ("latency, 200 events/s, 2 replicas", lambda tag, b: self.latency_run(tag, 200, binary=b),
                  "latency")]
        lines = [f"Each case ran {rounds} times, alternating the gateway binary (before: "
                 f"`{self.args.compare_gateway}`, built from the commit before the change; after: "
                 f"`{rel(self.gateway_bin)}`), everything else identical; the medians, with every "
                 "run's value in brackets.", "",
                 "| case | figure | before | after | change |", "|---|---|---|---|---|"]

        def median(values):
            values = sorted(v for v in values if v is not None)
            return values[len(values) // 2] if values else None

        for case, (name, run, kind) in enumerate(cases):
            results = {"before": [], "after": []}
            for i in range(rounds):
                for which in ("before", "after"):
                    binary = self.args.compare_gateway if which == "before" else None
                    results[which].append(run(f"ab-{case}-{which}-{i}", binary))
            figures = [("gateway CPU µs per delivery", lambda r: r.get("gateway", {}).get("cpu_us_per_delivery"), 3)]
            if kind == "deliveries":
                figures.insert(0, ("deliveries/s", lambda r: r.get("deliveries", {}).get("achieved_per_second"), 0))
            else:
                figures = [("p50 µs", lambda r: r.get("latency_us", {}).get("p50"), 0),
                           ("p99 µs", lambda r: r.get("latency_us", {}).get("p99"), 0)] + figures
            for label, get, digits in figures:
                b = [get(r) for r in results["before"]]
                a = [get(r) for r in results["after"]]
                mb, ma = median(b), median(a)
                change = f"{100 * (ma - mb) / mb:+.0f} %" if mb and ma is not None else "–"
                lines.append(f"| {name} | {label} | {fmt(mb, digits)} ({', '.join(fmt(v, digits) for v in b)}) | "
                             f"**{fmt(ma, digits)}** ({', '.join(fmt(v, digits) for v in a)}) | {change} |")
        lines += ["", "Commands: as in sections 2 and 3, with `--duration 8` for fan-out.", ""]
        self.sections.append(["## Before / after the optimisation", ""] + lines)

    # --- everyday load and loop scaling (issue 13) ---------------------------
    def measured(self, run):
        """Runs `run()` (which starts and stops its own processes) and notes in its report the
        share of the machine's CPU that other work used meanwhile (/proc/stat minus this
        script and its reaped children)."""
        wall0, machine0, ours0 = time.time(), machine_cpu_seconds(), our_cpu_seconds()
        r = run()
        self.stop()
        other = (machine_cpu_seconds() - machine0) - (our_cpu_seconds() - ours0)
        r["_other"] = max(other, 0) / max((time.time() - wall0) * os.cpu_count(), 1e-9)
        return r

    def invocation(self, scenario):
        """The script's command line for one scenario, with this run's options."""
        cmd = ["bench/run_scenarios.sh", "--build", self.args.build, "--only", scenario]
        if self.args.compare_gateway and scenario == "everyday":
            cmd += ["--compare-gateway", self.args.compare_gateway]
        if self.args.wait_quiet:
            cmd += ["--wait-quiet", f"{self.args.wait_quiet:g}"]
        return shlex.join(cmd) + " (its loadgen commands: section 10)"

    @staticmethod
    def median(values):
        values = sorted(v for v in values if v is not None)
        return values[len(values) // 2] if values else None

    @staticmethod
    def listed(values, digits=0):
        return ", ".join(fmt(v, digits) for v in values)

    def everyday(self):
        """Issue 13: the gateway's CPU per delivery and latency at 50 and 200 events/s over 1,000
        clients, next to the one-write-per-frame floor (the loadgen's trivial sender, paced)
        measured in the same run, alternating."""
        rounds = 1 if self.args.quick else 3
        duration = 10 * self.q
        cases = [("floor", "trivial sender, one send() per frame (floor)"),
                 ("2gw", "gateway, 2 replicas"),
                 ("1gw", "gateway, 1 replica")]
        if self.args.compare_gateway:
            cases.append(("2gw-before", f"gateway `{self.args.compare_gateway}` (before), "
                                        "2 replicas"))
        results = {}  # (rate, case) -> [report per round]
        busy_seen = []
        for i in range(rounds):
            busy_seen.append(self.quiet_moment())
            for rate in (50, 200):
                for case, _ in cases:
                    tag = f"everyday-{rate}-{case}-{i}"
                    if case == "floor":
                        run = lambda tag=tag, rate=rate: self.loadgen(tag, [
                            "--ceiling", "--clients", 1000, "--rate", rate,
                            "--duration", duration, "--threads", 2])
                    else:
                        run = lambda tag=tag, rate=rate, n=int(case[0]), b=(
                            self.args.compare_gateway if case.endswith("before") else None): \
                            self.latency_run(tag, rate, replicas=n, binary=b)
                    results.setdefault((rate, case), []).append(self.measured(run))

        def cpu(r):
            if r.get("setup", {}).get("ceiling"):
                return r.get("stand_in", {}).get("cpu_us_per_frame")
            return r.get("gateway", {}).get("cpu_us_per_delivery")

        def lat(key):
            return lambda r: r.get("latency_us", {}).get(key)

        lines = [
            "1,000 clients on /ws/broadcasts (2 loadgen client threads); at 50 and 200 events/s "
            "(50,000 and 200,000 deliveries/s). Three senders, alternating within each round: "
            "the **floor** — the loadgen's built-in trivial sender, paced, one `send()` per frame "
            "to every client per round (pre-built frames of the same shape; no Redis, no "
            "gateway), whose *sending thread's* CPU time (CLOCK_THREAD_CPUTIME of that thread "
            "alone, not the receiving clients') over the frames it sent is its CPU per frame; and "
            "the gateway with 2 replicas and with 1 replica (each with its default event loops: "
            "2 here), events through the typed publisher and Redis, whose CPU per delivery is "
            "the gateway processes' utime+stime over the deliveries received. On loopback a "
            "`send()` also runs the receiver's TCP input (the kernel does it in the sender's "
            "context), for the floor as for the gateway, so the two figures count the same "
            "kernel work. Latency: publish (or, for the floor, the frame's stamp) to the "
            "client's read; the first second excluded.",
            "",
            f"{rounds} round(s); the medians, with every run's value in brackets. Before each "
            "round the script waited for other work to use less than 15 % of the machine "
            f"(`--wait-quiet`); just before the rounds it used "
            f"{', '.join(f'{100 * b:.0f}' for b in busy_seen)} %. "
            "'other CPU' is the share of the machine's CPU other processes used during each run.",
            "",
            "| events/s | sender | CPU µs per delivery (gateway) / per frame (floor) | "
            "÷ floor of the same round | p50 µs | p99 µs | p99 − floor's p99 µs | p99.9 µs | "
            "deliveries/s | lost | other CPU |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
        for rate in (50, 200):
            floor = results[(rate, "floor")]
            for case, label in cases:
                rs = results[(rate, case)]
                c = [cpu(r) for r in rs]
                ratio = [cpu(r) / cpu(f) if cpu(r) and cpu(f) else None for r, f in zip(rs, floor)]
                p99 = [lat("p99")(r) for r in rs]
                dp99 = [lat("p99")(r) - lat("p99")(f) if lat("p99")(r) is not None and
                        lat("p99")(f) is not None else None for r, f in zip(rs, floor)]
                d = [r.get("deliveries", {}).get("achieved_per_second") for r in rs]
                lost = sum(r.get("deliveries", {}).get("lost", 0) or 0 for r in rs)
                p50 = [lat("p50")(r) for r in rs]
                p999 = [lat("p99_9")(r) for r in rs]
                other = [100 * r["_other"] for r in rs]
                ratio_text = "1" if case == "floor" else (
                    f"**{self.median(ratio):.2f}×** ({self.listed(ratio, 2)})"
                    if self.median(ratio) else "–")
                dp99_text = "–" if case == "floor" else (
                    f"{fmt(self.median(dp99))} ({self.listed(dp99)})")
                lines.append(
                    f"| {rate} | {label} | **{fmt(self.median(c), 3)}** ({self.listed(c, 3)}) | "
                    f"{ratio_text} | {fmt(self.median(p50))} ({self.listed(p50)}) | "
                    f"**{fmt(self.median(p99))}** ({self.listed(p99)}) | {dp99_text} | "
                    f"{fmt(self.median(p999))} | {fmt(self.median(d))} | "
                    f"{'–' if case == 'floor' else fmt(lost)} | "
                    f"{', '.join(f'{o:.0f}' for o in other)} % |")
            g2, g1 = results[(rate, "2gw")], results[(rate, "1gw")]
            ratio2 = self.median([cpu(r) / cpu(f) for r, f in zip(g2, floor) if cpu(r) and cpu(f)])
            dp99 = self.median([lat("p99")(r) - lat("p99")(f) for r, f in zip(g2, floor)])
            self.summary.append((
                f"Everyday load, {rate} events/s × 1,000 clients: CPU per delivery vs the "
                "one-write-per-frame floor (same run)", "≤ 1.2× the floor",
                f"2 replicas {fmt(self.median([cpu(r) for r in g2]), 3)} µs, 1 replica "
                f"{fmt(self.median([cpu(r) for r in g1]), 3)} µs; floor "
                f"{fmt(self.median([cpu(r) for r in floor]), 3)} µs/frame "
                f"({ratio2:.2f}× with 2 replicas)" if ratio2 else "–",
                self.invocation("everyday")))
            self.summary.append((
                f"Everyday load, {rate} events/s × 1,000 clients, 2 replicas: p99 vs the floor's "
                "(same run)", "within 1 ms of the floor",
                f"p99 {fmt(self.median([lat('p99')(r) for r in g2]))} µs vs floor "
                f"{fmt(self.median([lat('p99')(r) for r in floor]))} µs "
                f"({'+' if dp99 >= 0 else '−'}{fmt(abs(dp99))} µs, median of the rounds' "
                "differences)" if dp99 is not None else "–",
                self.invocation("everyday")))
        lines += ["", "Commands (first round; the others differ only in ports and labels):", ""]
        for rate in (50, 200):
            for case, _ in cases:
                lines.append(f"    {results[(rate, case)][0]['_cmd']}")
        lines.append("")
        self.sections.append(["## 10. Everyday load and loop scaling", "",
                              "### 10.1 CPU per delivery and latency at everyday load, next to "
                              "the one-write-per-frame floor", "",
                              f"Target: {TARGETS['everyday']}.", ""] + lines)

    def loops(self):
        """Issue 13: deliveries/s and gateway CPU per delivery with 1 and 2 event loops in one
        replica (--threads), for one topic's fan-out and for many topics (scoped)."""
        rounds = 1 if self.args.quick else 3
        cases = [("fanout", "fan-out: 1,000 clients on one topic (/ws/broadcasts), "
                  "`--rate max --window 32`"),
                 ("scoped", "scoped: 10,000 clients over 1,000 topics (/ws/comments/{scope}), "
                  "events to random topics, `--rate max --window 512`")]
        results = {}
        busy_seen = []

        def scoped_run(tag, threads):
            redis = self.start_redis()
            g = self.start_gateway(redis["url"], extra=["--threads", threads])
            r = self.loadgen(tag, [
                "--url", f"ws://127.0.0.1:{g['port']}", "--gateway-pid", g["pid"],
                "--redis-pid", redis["pid"], "--clients", 10000,
                "--path", "/ws/comments/{scope}", "--scopes", 1000, "--connect-concurrency", 1,
                "--publish-via", "redis", "--redis", redis["url"], "--rate", "max",
                "--window", 512, "--duration", 8 * self.q, "--warmup", 1])
            self.stop([g["pid"], redis["pid"]])
            return r

        for i in range(rounds):
            busy_seen.append(self.quiet_moment())
            for case, _ in cases:
                for threads in (1, 2):
                    tag = f"loops-{case}-t{threads}-{i}"
                    if case == "fanout":
                        run = lambda tag=tag, t=threads: self.fanout_run(
                            tag, 1, duration=8, gateway_args=["--threads", t])
                    else:
                        run = lambda tag=tag, t=threads: scoped_run(tag, t)
                    results.setdefault((case, threads), []).append(self.measured(run))
        lines = [
            "One replica, started with `--threads 1` and `--threads 2` (its event loops; the "
            "default is the cores available, 2 here), alternating within each round. A "
            "connection lives on one loop (accepted round robin); an event is decoded and "
            "rendered on its topic's worker loop (hash of the topic mod loops) and handed to "
            "every loop with clients of the topic, which write to their sockets. "
            f"{rounds} round(s); medians with every run's value in brackets. Before each round "
            "the script waited for other work to use less than 15 % of the machine; just before "
            f"the rounds it used {', '.join(f'{100 * b:.0f}' for b in busy_seen)} %.",
            "",
            "| case | loops | deliveries/s | gateway CPU µs/delivery | gateway CPU s | "
            "loadgen CPU s | Redis CPU s | lost | other CPU |",
            "|---|---|---|---|---|---|---|---|---|"]
        for case, label in cases:
            for threads in (1, 2):
                rs = results[(case, threads)]
                d = [r.get("deliveries", {}).get("achieved_per_second") for r in rs]
                c = [r.get("gateway", {}).get("cpu_us_per_delivery") for r in rs]
                gs = [r.get("gateway", {}).get("cpu_seconds") for r in rs]
                ls = [r.get("loadgen_cpu_seconds") for r in rs]
                rd = [r.get("redis_cpu_seconds") for r in rs]
                lost = sum(r.get("deliveries", {}).get("lost", 0) or 0 for r in rs)
                other = [100 * r["_other"] for r in rs]
                lines.append(
                    f"| {label} | {threads} | **{fmt(self.median(d))}** ({self.listed(d)}) | "
                    f"**{fmt(self.median(c), 3)}** ({self.listed(c, 3)}) | "
                    f"{fmt(self.median(gs), 2)} | {fmt(self.median(ls), 2)} | "
                    f"{fmt(self.median(rd), 2)} | {fmt(lost)} | "
                    f"{', '.join(f'{o:.0f}' for o in other)} % |")
            d1 = self.median([r.get("deliveries", {}).get("achieved_per_second")
                              for r in results[(case, 1)]])
            d2 = self.median([r.get("deliveries", {}).get("achieved_per_second")
                              for r in results[(case, 2)]])
            c1 = self.median([r.get("gateway", {}).get("cpu_us_per_delivery")
                              for r in results[(case, 1)]])
            c2 = self.median([r.get("gateway", {}).get("cpu_us_per_delivery")
                              for r in results[(case, 2)]])
            self.summary.append((
                f"Loop scaling, one replica, {case} ({'1,000 clients, 1 topic' if case == 'fanout' else '10,000 clients, 1,000 topics'})",
                "deliveries/s and CPU/delivery for 1, 2 loops (4, 8: no such cores here)",
                f"1 loop {fmt(d1)}/s at {fmt(c1, 3)} µs; 2 loops {fmt(d2)}/s at {fmt(c2, 3)} µs",
                self.invocation("loops")))
        lines += ["", "Commands (first round):", ""]
        for case, _ in cases:
            for threads in (1, 2):
                lines.append(f"    {results[(case, threads)][0]['_cmd']}   # gateway --threads {threads}")
        lines += ["", "This machine has 2 cores, so 4 and 8 loops are not measurable here (they would "
                  "only time-share the same 2 cores with Redis and the load generator). What the "
                  "partitioning implies for them: sockets are spread evenly over the loops and "
                  "each loop writes only its own, so socket writes — the bulk of the cost — "
                  "divide by the loops; rendering divides by topic (hash of the topic mod "
                  "loops), so many topics spread over all loops while one topic's events are "
                  "rendered by one loop (about a microsecond each: a ceiling near a million "
                  "events/s per topic, far above one topic's fan-out) and every loop with its "
                  "clients is woken once per batch, not per event. On more cores the limits "
                  "are the cores given to the load generator and Redis, not the gateway's "
                  "partitioning.", ""]
        self.sections.append(["### 10.2 Loop scaling inside a replica", "",
                              f"Target: {TARGETS['loops']}.", ""] + lines)

    # --- history and recovery (issue 11) -------------------------------------
    def quiet_moment(self):
        """Waits (up to --wait-quiet seconds) until other work uses < 15 % of the machine;
        returns the share busy just before going on."""
        deadline = time.time() + self.args.wait_quiet
        busy = busy_fraction()
        while busy > 0.15 and time.time() < deadline:
            print(f"   waiting for a quiet machine ({100 * busy:.0f} % busy)", flush=True)
            time.sleep(10)
            busy = busy_fraction()
        return busy

    def history(self):
        rounds = 3
        busy_seen = []

        def median(values):
            values = sorted(v for v in values if v is not None)
            return values[len(values) // 2] if values else None

        def listed(values, digits=0):
            return ", ".join(fmt(v, digits) for v in values)

        # 1. Fan-out cost per delivery: the same gateway and Redis, the same clients and rate,
        # on a channel without history, one with history, and the latter in the recovery protocol.
        redis = self.start_redis()
        g = self.start_gateway(redis["url"])
        variants = [("broadcasts", "/ws/broadcasts (no history), plain clients",
                     ["--path", "/ws/broadcasts"]),
                    ("comments", "/ws/comments/0 (history), plain clients",
                     ["--path", "/ws/comments/{scope}", "--scopes", 1]),
                    ("comments-since", "/ws/comments/0 (history), clients in the recovery "
                     "protocol (`?since=now`)",
                     ["--path", "/ws/comments/{scope}", "--scopes", 1, "--since", "now"])]
        fan = {}
        for rate in ("200", "max"):
            for i in range(rounds):
                busy_seen.append(self.quiet_moment())
                for key, _, extra in variants:
                    args = ["--url", f"ws://127.0.0.1:{g['port']}", "--gateway-pid", g["pid"],
                            "--redis-pid", redis["pid"], "--clients", 1000, *extra,
                            "--publish-via", "redis", "--redis", redis["url"], "--rate", rate]
                    if rate == "max":
                        args += ["--window", 32]
                    args += ["--duration", 8 * self.q, "--warmup", 1]
                    fan.setdefault((rate, key), []).append(
                        self.loadgen(f"history-fanout-{rate}-{key}-{i}", args))
        self.stop([g["pid"], redis["pid"]])

        # 2. Publish throughput: typed publisher -> Redis, no subscribers; PUBLISH (no history)
        # against FCALL pubsub_store (history) on one track and spread over 1,000 tracks.
        redis = self.start_redis()
        g = self.start_gateway(redis["url"])
        pub_variants = [("broadcasts", "new_broadcast → broadcasts (no history: PUBLISH)",
                         ["--path", "/ws/broadcasts"]),
                        ("comments-1", "new_comment → comments, 1 track (history: FCALL pubsub_store)",
                         ["--path", "/ws/comments/{scope}", "--scopes", 1]),
                        ("comments-1000", "new_comment → comments, 1,000 tracks at random (history: "
                         "FCALL pubsub_store, 1,000 streams)",
                         ["--path", "/ws/comments/{scope}", "--scopes", 1000])]
        pub = {}
        for i in range(rounds):
            busy_seen.append(self.quiet_moment())
            for key, _, extra in pub_variants:
                args = ["--url", f"ws://127.0.0.1:{g['port']}", "--clients", 0, *extra,
                        "--publish-via", "redis", "--redis", redis["url"], "--rate", "max",
                        "--duration", 5 * self.q, "--redis-pid", redis["pid"]]
                pub.setdefault(key, []).append(self.loadgen(f"history-publish-{key}-{i}", args))
        redis_mem = subprocess.run(["redis-cli", "-p", str(redis["port"]), "info", "memory"],
                                   capture_output=True, text=True).stdout
        m = re.search(r"used_memory:(\d+)", redis_mem)
        redis_used = int(m.group(1)) if m else None
        self.stop([g["pid"], redis["pid"]])

        # 3. Reconnect storms: 3 replicas on one Redis; replica 0 is killed (SIGKILL).
        storms = [("spread", "10,000 clients spread over the 3 replicas; replica 0 is killed and "
                   "the clients of replicas 1 and 2 close their sockets too, so every client "
                   "misses the 100 events; all reconnect to replicas 1 and 2, which no longer "
                   "hold the topic (their last client left): cold",
                   []),
                  ("victim", "10,000 clients all on replica 0, 100 more clients (bystanders, "
                   "recovery protocol) on each of replicas 1 and 2; replica 0 is killed; its "
                   "10,000 clients reconnect to replicas 1 and 2, which hold the topic and its "
                   "tail: warm",
                   ["--storm-on-victim", "--bystanders", 100])]
        storm = {}
        for i in range(rounds):
            for key, _, extra in storms:
                busy_seen.append(self.quiet_moment())
                redis = self.start_redis()
                gws = [self.start_gateway(redis["url"]) for _ in range(3)]
                args = []
                for gw in gws:
                    args += ["--url", f"ws://127.0.0.1:{gw['port']}"]
                for gw in gws:
                    args += ["--gateway-pid", gw["pid"]]
                args += ["--redis-pid", redis["pid"], "--redis", redis["url"], "--recover-storm",
                         "--path", "/ws/comments/{scope}", "--clients", 10000, *extra,
                         "--storm-kill-pid", gws[0]["pid"], "--storm-events", 100]
                storm.setdefault(key, []).append(self.loadgen(f"history-storm-{key}-{i}", args))
                self.stop([gw["pid"] for gw in gws] + [redis["pid"]])

        # --- the section ---
        lines = ["Issue 11: what keeping history costs, and what a reconnect storm costs Redis. "
                 f"Every case ran {rounds} times (cases alternating within each round); the "
                 "medians, with every run's value in brackets. Before each round the script "
                 "waited for other work to use less than 15 % of the machine (`--wait-quiet`); "
                 "just before the rounds it used "
                 f"{min(busy_seen) * 100:.0f}–{max(busy_seen) * 100:.0f} %.", "",
                 "### Fan-out cost per delivery, history on vs off", "",
                 "One gateway and one Redis for every run (the same processes throughout); 1,000 "
                 "clients; events through the typed C++ publisher to Redis (`--publish-via "
                 "redis`: PUBLISH for broadcasts, FCALL pubsub_store for comments); a fixed 200 "
                 "events/s (200,000 deliveries/s), then `--rate max` (32 events in flight end to "
                 "end). Gateway CPU is its utime+stime while publishing and draining, over the "
                 "deliveries received.", "",
                 "| rate | channel and clients | gateway CPU µs/delivery | deliveries/s | lost | "
                 "duplicates / gaps (recovery protocol) | latency p50 / p99 µs |",
                 "|---|---|---|---|---|---|---|"]
        fan_medians = {}
        for rate in ("200", "max"):
            for key, label, _ in variants:
                rs = fan[(rate, key)]
                cpu = [r.get("gateway", {}).get("cpu_us_per_delivery") for r in rs]
                dps = [r.get("deliveries", {}).get("achieved_per_second") for r in rs]
                lost = sum(r.get("deliveries", {}).get("lost", 0) or 0 for r in rs)
                p50 = median([r.get("latency_us", {}).get("p50") for r in rs])
                p99 = median([r.get("latency_us", {}).get("p99") for r in rs])
                rec = [r.get("recovery", {}) for r in rs]
                dup = "–"
                if key == "comments-since":
                    dup = (f"{sum(x.get('duplicates', 0) for x in rec)} / "
                           f"{sum(x.get('gaps', 0) for x in rec)} "
                           f"({fmt(sum(x.get('positioned_frames', 0) for x in rec))} positioned "
                           f"frames)")
                fan_medians[(rate, key)] = median(cpu)
                ok = "" if all(r.get("ok") for r in rs) else " (NOT OK: see the JSON)"
                lines.append(f"| {rate} | {label}{ok} | **{fmt(median(cpu), 3)}** ({listed(cpu, 3)}) | "
                             f"{fmt(median(dps))} ({listed(dps)}) | {fmt(lost)} | {dup} | "
                             f"{fmt(p50)} / {fmt(p99)} |")
        lines += ["", "Commands (first round; the others differ only in ports and labels):", ""]
        for rate in ("200", "max"):
            for key, _, _ in variants:
                lines.append(f"    {fan[(rate, key)][0]['_cmd']}")
        lines.append("")

        lines += ["### Publish throughput with history", "",
                  "Events through the typed C++ publisher (one pipelined RedisBus connection) as "
                  "fast as Redis acknowledges them, `--clients 0` (no subscriber: the publish path "
                  "alone), against one Redis. On a history channel the acknowledgement means "
                  "stored: FCALL pubsub_store appends to the topic's stream (trimmed to 1,000, "
                  "expiry 86,400 s) and publishes in one step.", "",
                  "| events | events/s acknowledged | Redis CPU µs per event | failed |",
                  "|---|---|---|---|"]
        pub_medians = {}
        for key, label, _ in pub_variants:
            rs = pub[key]
            rates = []
            cpu = []
            failed = 0
            for r in rs:
                p = r.get("publish", {})
                rates.append(p.get("events_acked", 0) / p["seconds"] if p.get("seconds") else None)
                cpu.append(r.get("redis_cpu_seconds", 0) * 1e6 / p["events_acked"]
                           if p.get("events_acked") else None)
                failed += p.get("events_failed", 0) or 0
            pub_medians[key] = (median(rates), median(cpu))
            lines.append(f"| {label} | **{fmt(median(rates))}** ({listed(rates)}) | "
                         f"{fmt(median(cpu), 2)} ({listed(cpu, 2)}) | {fmt(failed)} |")
        if redis_used:
            lines += ["", f"Redis memory after these runs (1,001 streams of at most 1,000 events, "
                          f"plus their meta hashes): used_memory {redis_used / 1024 / 1024:,.0f} MiB."]
        lines += ["", "Commands (first round):", ""]
        for key, _, _ in pub_variants:
            lines.append(f"    {pub[key][0]['_cmd']}")
        lines.append("")

        lines += ["### Reconnect storm: 10,000 clients recover 100 missed events", "",
                  "`pubsub-loadgen --recover-storm`: 3 gateway replicas on one redis-server; "
                  "clients in the recovery protocol on one history topic (/ws/comments/0, "
                  "`?since=now`) receive 10 warm-up events; then the replica is killed with "
                  "SIGKILL (by the loadgen, so the moment is known); 100 events are published "
                  "and acknowledged (stored) while the clients are away; then every client "
                  "reconnects to a surviving replica (round robin) with `since` = the last "
                  "position it received, 1,024 handshakes in flight at once. Time runs from the "
                  "start of the reconnections to the moment every client has received the last "
                  "of its 100 missed events; every client is checked: exactly one recovery "
                  "control (`\"recovered\":true`), then exactly the 100 events, in order "
                  "(positions and the loadgen's sequence numbers each one after the other), no "
                  "duplicate; then 10 live events reach every client. Redis commands: `MONITOR` "
                  "during the reconnections (top-level commands by name and function, and the "
                  "calls the functions make inside), cross-checked with `INFO commandstats` "
                  "before and after (which counts both kinds). No publish runs during the "
                  "reconnections, so nothing has to be subtracted; the 100 publishes are counted "
                  "separately.", ""]
        storm_med = {}
        for key, label, _ in storms:
            rs = storm[key]
            rec = [r.get("recovery", {}) for r in rs]
            cmds = [r.get("redis_commands", {}) for r in rs]
            chk = [r.get("checks", {}) for r in rs]
            all_s = [x.get("seconds_to_all_recovered") for x in rec]
            first_s = [x.get("seconds_first_upgrade_to_all_recovered") for x in rec]
            p50 = [x.get("recovered_ms_p50") for x in rec]
            own = [x.get("upgrade_to_recovered_ms_p99") for x in rec]
            top = [c.get("monitor_reconnect_top_level_total") for c in cmds]
            inside = [c.get("monitor_reconnect_inside_functions_total") for c in cmds]
            stats_total = [c.get("during_reconnect_total") for c in cmds]
            gw_cpu = [x.get("gateway_cpu_seconds_survivors") for x in rec]
            exact = [x.get("clients_with_exactly_the_missed_events") for x in rec]
            storm_med[key] = (median(all_s), median(top), rs)
            kinds = {}
            for c in cmds:
                for name, n in c.get("monitor_reconnect_top_level", {}).items():
                    kinds.setdefault(name, []).append(n)
            inner = {}
            for c in cmds:
                for name, n in c.get("monitor_reconnect_inside_functions", {}).items():
                    inner.setdefault(name, []).append(n)
            ok = all(r.get("ok") for r in rs)
            lines += [f"**{label}.**", "",
                      "| figure | median (every run) |", "|---|---|",
                      f"| runs that passed every check | {sum(1 for r in rs if r.get('ok'))} of {len(rs)}"
                      + ("" if ok else " — " + "; ".join(r.get("error", "") for r in rs if not r.get("ok")))
                      + " |",
                      f"| clients that received exactly their 100 missed events, in order | "
                      f"{listed(exact)} of 10,000 |",
                      f"| duplicates / gaps / out of order / not recovered (all runs) | "
                      f"{sum(x.get('duplicates', 0) for x in chk)} / {sum(x.get('gaps', 0) for x in chk)} / "
                      f"{sum(x.get('sequence_errors', 0) for x in chk)} / "
                      f"{sum(x.get('not_recovered', 0) for x in chk)} |",
                      f"| **time from the first reconnect to all 10,000 recovered** | "
                      f"**{fmt(median(first_s), 3)} s** ({listed(first_s, 3)}) |",
                      f"| time from the start of the reconnections to all recovered | "
                      f"{fmt(median(all_s), 3)} s ({listed(all_s, 3)}) |",
                      f"| median client recovered after (from the start) | {fmt(median(p50))} ms "
                      f"({listed(p50)}) |",
                      f"| a client's own upgrade → its last missed event, p99 | {fmt(median(own), 1)} ms "
                      f"({listed(own, 1)}) |",
                      f"| **Redis commands the gateways issued for the recovery** | **{fmt(median(top))}** "
                      f"({listed(top)})" + (": " + ", ".join(f"{name} {listed(ns)}" for name, ns in sorted(kinds.items()))
                                            if kinds else ": none")
                      + " |",
                      f"| … and the calls inside those functions | {fmt(median(inside))} ({listed(inside)})"
                      + (": " + ", ".join(f"{name} {listed(ns)}" for name, ns in sorted(inner.items())) if inner else "")
                      + " |",
                      f"| INFO commandstats, all commands during the reconnections | "
                      f"{fmt(median(stats_total))} ({listed(stats_total)}) |",
                      f"| surviving gateways' CPU during the reconnections | {fmt(median(gw_cpu), 2)} s "
                      f"({listed(gw_cpu, 2)}) |",
                      "", f"Command (first run): `{rs[0]['_cmd']}`", ""]
            pubs = rs[0].get("redis_commands", {}).get("during_storm_publish", {})
            if key == "spread" and pubs:
                lines += ["The 100 publishes meanwhile, for comparison (INFO commandstats, first "
                          "run): " + ", ".join(f"{k} {v}" for k, v in sorted(pubs.items())) +
                          " (XADD, EXPIRE, HGET, HINCRBY, EXISTS and PUBLISH run inside the 100 "
                          "FCALLs; UNSUBSCRIBE: the survivors' topic emptied).", ""]

        # A reading of the figures.
        def fan_pct(a, b):
            return f"{100 * (a - b) / b:+.0f} %" if a and b else "–"
        spread_own = median([r.get("recovery", {}).get("upgrade_to_recovered_ms_p99")
                             for r in storm_med["spread"][2] + storm_med["victim"][2]])
        first_all = [r.get("recovery", {}).get("seconds_first_upgrade_to_all_recovered")
                     for r in storm_med["spread"][2] + storm_med["victim"][2]]
        up_p50 = median([r.get("recovery", {}).get("upgrade_ms_p50")
                         for r in storm_med["spread"][2] + storm_med["victim"][2]])
        rec_p50 = median([r.get("recovery", {}).get("recovered_ms_p50")
                          for r in storm_med["spread"][2] + storm_med["victim"][2]])
        lines += ["### Reading", "",
                  "- **What history costs the gateway: little.** At full fan-out a delivery on the "
                  f"history channel cost {fmt(fan_medians[('max', 'comments')], 3)} µs of gateway CPU "
                  f"against {fmt(fan_medians[('max', 'broadcasts')], 3)} µs without history "
                  f"({fan_pct(fan_medians[('max', 'comments')], fan_medians[('max', 'broadcasts')])}: per "
                  "event, ordering by position and a second, positioned frame rendered once), and "
                  f"{fmt(fan_medians[('max', 'comments-since')], 3)} µs to clients in the recovery protocol "
                  f"({fan_pct(fan_medians[('max', 'comments-since')], fan_medians[('max', 'broadcasts')])}: "
                  "a larger frame, each delivery's position checked against the last one sent to that "
                  "socket, and the topic's tail kept for recoveries). At 200 events/s the three differ by less than the spread between runs: "
                  "there the per-send kernel cost dominates (section 2's profile).",
                  "- **What history costs Redis: most of the price.** A stored event is one FCALL "
                  "pubsub_store, which runs 8 commands inside (HGET ×2 and EXISTS for the epoch, HINCRBY, "
                  "XADD with MAXLEN, EXPIRE ×2, PUBLISH): "
                  f"{fmt(pub_medians['comments-1'][1], 2)} µs of Redis CPU per event against "
                  f"{fmt(pub_medians['broadcasts'][1], 2)} µs for a PUBLISH, so one Redis core takes about "
                  f"{fmt(pub_medians['comments-1'][0])} stored events/s from one pipelined publisher against "
                  f"{fmt(pub_medians['broadcasts'][0])} published ones (and the same over 1,000 streams: "
                  f"{fmt(pub_medians['comments-1000'][0])}/s). The acknowledgement then means stored.",
                  "- **Why a storm costs Redis a handful of commands.** A gateway keeps a tail of each "
                  "history topic it serves (built by one read, extended by every live event, trimmed to the "
                  "channel's size) and answers every recovering client from it; clients that ask while the "
                  "read is in flight wait for that one read. Surviving replicas that still serve the topic "
                  f"answered 10,000 recoveries with {fmt(storm_med['victim'][1])} Redis commands; survivors that "
                  "had lost the topic (their last client had left) subscribed once and read once each: "
                  f"{fmt(storm_med['spread'][1])} commands for 10,000 clients, not 10,000 reads.",
                  "- **The time to all-recovered is the time to reconnect.** "
                  f"{min(v for v in first_all if v is not None):.2f}–{max(v for v in first_all if v is not None):.2f} s "
                  "from the first reconnect to the last client having its 100 events is what 10,000 "
                  "WebSocket handshakes take on this machine (the median client was upgraded after "
                  f"{fmt(up_p50)} ms and had all its events after {fmt(rec_p50)} ms); a client's missed events "
                  f"reached it within {fmt(spread_own, 1)} ms (p99) of its own upgrade.", ""]

        # Summary rows.
        b = fan_medians.get(("200", "broadcasts"))
        c = fan_medians.get(("200", "comments"))
        cs = fan_medians.get(("200", "comments-since"))
        self.summary.append(("History: fan-out cost, 1,000 clients, 200 events/s", "—",
                             f"{fmt(b, 3)} µs/delivery without history, {fmt(c, 3)} with "
                             f"(plain clients), {fmt(cs, 3)} in the recovery protocol",
                             fan[("200", "comments-since")][0]["_cmd"]))
        bm = fan_medians.get(("max", "broadcasts"))
        cm = fan_medians.get(("max", "comments"))
        csm = fan_medians.get(("max", "comments-since"))
        self.summary.append(("History: fan-out cost, 1,000 clients, --rate max", "—",
                             f"{fmt(bm, 3)} / {fmt(cm, 3)} / {fmt(csm, 3)} µs/delivery "
                             f"(no history / history / recovery protocol)",
                             fan[("max", "comments-since")][0]["_cmd"]))
        self.summary.append(("History: publish throughput, typed publisher → Redis", "—",
                             f"{fmt(pub_medians['comments-1'][0])}/s into a history channel "
                             f"(FCALL) vs {fmt(pub_medians['broadcasts'][0])}/s without (PUBLISH)",
                             pub["comments-1"][0]["_cmd"]))
        for key, name in (("spread", "spread, cold survivors"), ("victim", "all on the killed replica, warm survivors")):
            all_s, top, rs = storm_med[key]
            first = median([r.get("recovery", {}).get("seconds_first_upgrade_to_all_recovered") for r in rs])
            self.summary.append((f"History: reconnect storm, 10,000 clients × 100 missed events ({name})",
                                 "a handful of Redis reads",
                                 f"all recovered {fmt(first, 2)} s after the first reconnect; "
                                 f"{fmt(top)} Redis commands", rs[0]["_cmd"]))
        self.section("8. History and recovery", TARGETS["history"], lines)

    # --- Redis Cluster (sharded pub/sub) ---------------------------------------
    def cluster_snapshot(self, cl):
        """Per node: INFO stats / commandstats, CLUSTER INFO, /proc/PID/io and CPU seconds."""
        out = {}
        for n in cl.nodes:
            d = cl.info(n.port, "stats", "commandstats", "cluster-info")
            d.update(proc_io(n.pid))
            d["cpu"] = proc_cpu_precise(n.pid)
            out[n.port] = d
        return out

    @staticmethod
    def calls(snapshot, port, command):
        m = re.search(r"calls=(\d+)", str(snapshot[port].get(f"cmdstat_{command}", "")))
        return int(m.group(1)) if m else 0

    def cluster(self):
        rounds = 3
        busy_seen = []
        t_start = time.time()
        first_gateway = self.started + 1

        def median(values):
            values = sorted(v for v in values if v is not None)
            return values[len(values) // 2] if values else None

        def listed(values, digits=0):
            return ", ".join(fmt(v, digits) for v in values)

        cl = BenchCluster(self)
        topo = cl.topology()  # [(master port, slot ranges, [replica port])], by first slot
        owner = cl.slot_owner()
        names = {}
        for i, (port, ranges, reps) in enumerate(topo, 1):
            names[port] = f"m{i}"
            for r in reps:
                names[r] = f"r{i}"
        order = [p for port, _, reps in topo for p in [port] + reps]  # m1 r1 m2 r2 m3 r3
        masters = [port for port, _, _ in topo]

        # 1. Publish throughput and Redis CPU per event: one redis-server vs the cluster.
        redis = self.start_redis()
        g_single = self.start_gateway(redis["url"])  # --url only: no clients, no subscription
        g_cluster = self.start_gateway(cl.url)
        pub_variants = [("broadcasts", "new_broadcast → broadcasts (no history: PUBLISH / SPUBLISH)",
                         ["--path", "/ws/broadcasts"]),
                        ("comments-1000", "new_comment → comments, 1,000 tracks at random (history: "
                         "FCALL pubsub_store)", ["--path", "/ws/comments/{scope}", "--scopes", 1000])]
        pub_targets = [("single", "1 redis-server"), ("cluster", "cluster, 3 masters + 3 replicas")]
        pub = {}
        for i in range(rounds):
            busy_seen.append(self.quiet_moment())
            for key, _, extra in pub_variants:
                for where, _ in pub_targets:
                    if where == "single":
                        g, url, pids, ports = g_single, redis["url"], [redis["pid"]], None
                    else:
                        g, url, pids, ports = g_cluster, cl.url, cl.pids, order
                    args = ["--url", f"ws://127.0.0.1:{g['port']}", "--clients", 0, *extra,
                            "--publish-via", "redis", "--redis", url, "--rate", "max",
                            "--duration", round(5 * self.q, 1)]
                    for pid in pids:
                        args += ["--redis-pid", pid]
                    before = self.cluster_snapshot(cl) if ports else None
                    cpu0 = [proc_cpu_precise(pid) for pid in pids]
                    r = self.loadgen(f"cluster-publish-{key}-{where}-{i}", args)
                    cpu1 = [proc_cpu_precise(pid) for pid in pids]
                    after = self.cluster_snapshot(cl) if ports else None
                    if ports:
                        r["_node_cpu"] = {n.port: b - a for n, a, b in zip(cl.nodes, cpu0, cpu1)}
                        r["_master_events"] = {
                            m: sum(self.calls(after, m, c) - self.calls(before, m, c)
                                   for c in ("spublish", "fcall")) for m in masters}
                    pub.setdefault((key, where), []).append(r)
        self.stop([g_single["pid"], g_cluster["pid"]])  # the gateways before their Redis
        self.stop([redis["pid"]])

        # 2. Bytes each node receives per event, classic PUBLISH vs sharded SPUBLISH, with 3
        # gateways subscribed (one WebSocket client per topic held by pubsub-loadgen).
        n_topics, n_events, size = 300, int(100000 * self.q), 200
        fan_cases = [("sharded", "SPUBLISH to the topic's master (sharded pub/sub, the product's "
                      "way); gateways on `--bus redis-cluster://…`"),
                     ("classic", "PUBLISH to one node, m1 (classic pub/sub: what a cluster-unaware "
                      "bus does); gateway k on `--bus redis://` master k"),
                     ("product", "the typed publisher through RedisClusterBus (`pubsub-loadgen "
                      "--publish-via redis --redis redis-cluster://…`): FCALL pubsub_store on the "
                      "topic's master (stores, then SPUBLISHes)")]
        fan = {}
        verify = {"subscriptions": 0, "misplaced": 0}
        for i in range(rounds):
            busy_seen.append(self.quiet_moment())
            for case, _ in fan_cases:
                fan.setdefault(case, []).append(self.cluster_fanout(
                    cl, topo, owner, case, i, n_topics, n_events, size, verify))
        # Verify the hashing against Redis itself.
        keyslot_checked, keyslot_bad = 0, []
        for t in ([f"track_comments:{k}" for k in (0, 1, 42, 999, 99999)] +
                  [f"notifications@user{k}" for k in (0, 7, 4242, 99999)] +
                  [f"notifications@u{k}" for k in (0, 1)] + ["broadcasts", "forum:1"]):
            ch = shard_channel(t)
            got = cl.cli(masters[0], "CLUSTER", "KEYSLOT", ch.decode()).strip()
            keyslot_checked += 1
            if got != str(key_slot(ch)):
                keyslot_bad.append(f"{ch.decode()}: {got} vs {key_slot(ch)}")

        # 3. Slot skew: topics per master as redis-cli --cluster create split the slots.
        skew = []
        for family, pattern in (("track_comments", "track_comments:{}"),
                                ("notifications", "notifications@user{}")):
            counts = {m: 0 for m in masters}
            done = 0
            for n in (1000, 10000, 100000):
                for k in range(done, n):
                    counts[owner[topic_slot(pattern.format(k))]] += 1
                done = n
                shares = [counts[m] / n for m in masters]
                skew.append((family, pattern, n, shares))
        slot_ranges = "; ".join(f"{names[p]} {', '.join(f'{a}–{b}' for a, b in ranges)}"
                                for p, ranges, _ in topo)
        cl_cmd = shlex.join(cl.create_cmd)
        # Health: the same masters with the same slots as at the start, no failure in the nodes'
        # logs, and what the gateways logged beyond the startup notices.
        topo_end = cl.topology()
        node_alarms = []
        for n in cl.nodes:
            with open(os.path.join(n.dir, "redis.log"), errors="replace") as f:
                node_alarms += [f"{n.port}: {line.strip()}" for line in f
                                if re.search(r"FAIL|[Ff]ailover|Marking node|state changed: fail",
                                             line) and "overcommit" not in line]
        gateway_alarms = []
        for k in range(first_gateway, self.started + 1):
            with open(os.path.join(self.results, f"gateway-{k}.err"), errors="replace") as f:
                gateway_alarms += [f"gateway-{k}: {line.strip()}" for line in f
                                   if re.search(r" (warning|error|critical): ", line)
                                   and "DEVELOPMENT AUTH MODE" not in line]
        with open(os.path.join(self.results, "cluster-alarms.txt"), "w") as f:
            f.write("\n".join(node_alarms + gateway_alarms) + "\n")
        self.stop(cl.pids)  # the cluster's nodes, by PID

        # --- the section ---
        busy_range = (f"{min(busy_seen) * 100:.0f}" if round(min(busy_seen) * 100) ==
                      round(max(busy_seen) * 100) else
                      f"{min(busy_seen) * 100:.0f}–{max(busy_seen) * 100:.0f}")
        minutes = max(1, round((time.time() - t_start) / 60))
        lines = [f"Reproduce with `bench/run_scenarios.sh --build {self.args.build} --only cluster "
                 f"--wait-quiet 60` (about {minutes} minute{'s' if minutes > 1 else ''} on a quiet "
                 "machine). "
                 "Redis Cluster bus (`--bus redis-cluster://…`, RedisClusterBus): topic T is the "
                 "shard channel `pubsub:{H}T` (H: FNV-1a 32-bit of T, 8 hex digits), so T, its "
                 "history and its channel live in one slot (CRC16 of H mod 16,384), on one master. "
                 "**Everything ran on this 2-core machine**: the 6 redis-server nodes, the "
                 "gateways and the load generator share the same 2 cores, so a 3-shard cluster "
                 "cannot show more throughput than one node here — what these figures show is the "
                 "cost per event on each node and how it is spread (on real hardware each master "
                 "has cores of its own).", "",
                 f"The cluster: 6 `redis-server` (Redis 7.0) with `--cluster-enabled yes "
                 f"--cluster-node-timeout 15000 --save '' --appendonly no` on free ports, joined "
                 f"with `{cl_cmd}` (slots: {slot_ranges}); m1..m3 are the masters, rk is mk's "
                 f"replica. Cases alternate within each round; {rounds} rounds; the medians, with "
                 "every run's value in brackets. Before each round the script waited for other "
                 "work to use less than 15 % of the machine (`--wait-quiet`); just before the "
                 f"rounds it used {busy_range} %. "
                 + ("Throughout, the cluster kept its 3 masters and their slots (no failover: "
                    "nothing about failing nodes in the 6 nodes' logs)"
                    if topo_end == topo and not node_alarms else
                    f"**The cluster changed during the runs** ({len(node_alarms)} log lines "
                    f"about failures, masters and slots {'unchanged' if topo_end == topo else 'CHANGED'}: "
                    f"see `{rel(self.results)}/cluster-alarms.txt`)")
                 + (f"; the gateways logged {len(gateway_alarms)} warnings or errors (in "
                    f"`{rel(self.results)}/cluster-alarms.txt`)." if gateway_alarms else
                    "; the gateways logged no warning or error."), "",
                 "### Publish throughput and Redis CPU per event, 1 node vs 3 shards", "",
                 "Events through the typed C++ publisher as fast as Redis acknowledges them "
                 "(`--clients 0 --publish-via redis --rate max`: no subscriber, the publish path "
                 f"alone, {fmt(5 * self.q, 0)} s per run): to one redis-server (RedisBus, one "
                 "pipelined connection) and to the cluster (RedisClusterBus: one pipelined "
                 "connection per master, each event to the master of its topic's slot: SPUBLISH, "
                 "or FCALL pubsub_store on a history channel). Redis CPU: utime+stime of every "
                 "node (1, or all 6) while publishing (the loadgen's `--redis-pid`, repeated), "
                 "over the events acknowledged; per node: time on CPU of its threads "
                 "(/proc/PID/task/*/schedstat) around the loadgen process, over the events that node's master handled (INFO commandstats: "
                 "spublish + fcall calls). The single redis-server has no replica; the cluster's "
                 "masters feed theirs.", "",
                 "| events | Redis | events/s acknowledged | Redis CPU µs per event (all nodes) | "
                 "share of the events per master m1 / m2 / m3 | CPU s per master m1 / m2 / m3 "
                 "(µs per event it handled) | CPU s per replica r1 / r2 / r3 (µs per event of its "
                 "master) | failed |",
                 "|---|---|---|---|---|---|---|---|"]
        pub_medians = {}
        for key, label, _ in pub_variants:
            for where, where_label in pub_targets:
                rs = pub[(key, where)]
                rates, cpu, failed = [], [], 0
                for r in rs:
                    p = r.get("publish", {})
                    rates.append(p.get("events_acked", 0) / p["seconds"] if p.get("seconds") else None)
                    cpu.append(r.get("redis_cpu_seconds", 0) * 1e6 / p["events_acked"]
                               if p.get("events_acked") else None)
                    failed += p.get("events_failed", 0) or 0
                pub_medians[(key, where)] = (median(rates), median(cpu))
                ok = "" if all(r.get("ok") for r in rs) else " (NOT OK: see the JSON)"
                share = mcpu = rcpu = "–"
                if where == "cluster":
                    shares, mc, rc, ms, rsec = [], [], [], [], []
                    for m in masters:
                        ev = [r["_master_events"][m] for r in rs]
                        tot = [sum(r["_master_events"].values()) for r in rs]
                        shares.append(median([e / t if t else None for e, t in zip(ev, tot)]))
                        replica = next(reps[0] for port, _, reps in topo if port == m)
                        ms.append(median([r["_node_cpu"][m] for r in rs]))
                        rsec.append(median([r["_node_cpu"][replica] for r in rs]))
                        mc.append(median([r["_node_cpu"][m] * 1e6 / e if e else None
                                          for r, e in zip(rs, ev)]))
                        rc.append(median([r["_node_cpu"][replica] * 1e6 / e if e else None
                                          for r, e in zip(rs, ev)]))
                    share = " / ".join(f"{100 * s:.0f} %" if s is not None else "–" for s in shares)
                    mcpu = " / ".join(f"{fmt(s, 2)} ({fmt(v, 2)})" for s, v in zip(ms, mc))
                    rcpu = " / ".join(f"{fmt(s, 2)} ({fmt(v, 2)})" for s, v in zip(rsec, rc))
                    pub_medians[(key, "per-master")] = (shares, mc, rc)
                lines.append(f"| {label}{ok} | {where_label} | **{fmt(median(rates))}** "
                             f"({listed(rates)}) | {fmt(median(cpu), 2)} ({listed(cpu, 2)}) | "
                             f"{share} | {mcpu} | {rcpu} | {fmt(failed)} |")
        lines += ["", "Commands (first round; the others differ only in labels):", ""]
        for key, _, _ in pub_variants:
            for where, _ in pub_targets:
                lines.append(f"    {pub[(key, where)][0]['_cmd']}")
        lines.append("")

        # Bytes per event on each node.
        cols = [("client_in", "client bytes in (total_net_input_bytes − repl.)", 0),
                ("repl_in", "replication bytes in (total_net_repl_input_bytes)", 0),
                ("bus_in", "cluster-bus bytes in (rchar − total_net_input_bytes)", 0),
                ("read", "all bytes read (rchar)", 0),
                ("pub_msgs", "cluster-bus publish messages in (publish + publishshard)", 2),
                ("all_msgs", "all cluster-bus messages in", 2),
                ("written", "bytes written (wchar)", 0),
                ("cpu_us", "CPU µs", 2)]
        lines += ["### Bytes each node receives per event: classic PUBLISH vs sharded SPUBLISH", "",
                  f"3 gateways; pubsub-loadgen holds {n_topics} WebSocket clients on "
                  f"/ws/comments/0..{n_topics - 1} (client k on track k and gateway k mod 3), so "
                  f"the gateways together subscribe to {n_topics} topics, each gateway to "
                  f"{n_topics // 3}. Then {fmt(n_events)} events, round robin over the "
                  f"{n_topics} topics, are published by a small Python publisher (raw sockets, "
                  "pipelined 500 commands at a time per connection, one connection per node it "
                  "sends to); each event is one command whose message is the same "
                  f"{size}-byte pubsub.Envelope a typed publisher would send (a new_comment of "
                  "that track, without history position, its text padded to the size):", "",
                  f"- **sharded**: `SPUBLISH pubsub:{{H}}track_comments:K <{size} B>` to the "
                  "master owning the channel's slot; gateways on `--bus redis-cluster://…` "
                  "(SSUBSCRIBE on the topic's master);",
                  f"- **classic**: `PUBLISH pubsub:track_comments:K <{size} B>`, every event to "
                  "m1; gateway k on `--bus redis://` master k (a cluster-unaware RedisBus: "
                  "SUBSCRIBE on that node). Redis Cluster forwards every PUBLISH to every other "
                  "node over the cluster bus, subscribers there or not;",
                  "- **product**: for reference, the typed publisher through RedisClusterBus "
                  "(`pubsub-loadgen --publish-via redis --redis redis-cluster://… --rate max "
                  "--window 256`, its own 300 clients on the same 3 cluster gateways, loss "
                  "counted): FCALL pubsub_store (the channel keeps history), so the replicas also "
                  "get the stored event through replication.", "",
                  "Per node, the deltas around the publishing (until the gateways had received "
                  "every event, plus 1 s) over the events: `INFO stats` total_net_input_bytes "
                  "(Redis 7.0 counts client connections and the replication link there, not the "
                  "cluster bus) and total_net_repl_input_bytes (the replication link alone), "
                  "`/proc/PID/io` rchar and wchar (every byte read or written: clients, "
                  "replication, cluster bus), so cluster-bus bytes in = rchar − "
                  "total_net_input_bytes (a few hundred bytes a second of /proc reads by Redis "
                  "itself included), `CLUSTER INFO` "
                  "cluster_stats_messages_publish_received + …_publishshard_received and "
                  "cluster_stats_messages_received (publish messages plus the gossip "
                  "pings/pongs meanwhile), and CPU (time on CPU of the node's threads, "
                  "/proc/PID/task/*/schedstat).", ""]
        for case, label in fan_cases:
            rs = fan[case]
            ev = [r["events"] for r in rs]
            got = [r["gateway_events_in"] for r in rs]
            lines += [f"**{case}**: {label}. Events: {listed(ev)}; the gateways received "
                      f"{listed(got)} of them from Redis (dropped: "
                      f"{fmt(sum(r['gateway_dropped'] for r in rs))})"
                      + (f"; publish errors {fmt(sum(r['errors'] for r in rs))}"
                         + (f" (first: `{next(r['first_error'] for r in rs if r['first_error'])}`)"
                            if any(r['first_error'] for r in rs) else ""))
                      + (f"; deliveries to the WebSocket clients lost: "
                         f"{fmt(sum(r['lost'] or 0 for r in rs))}" if case == "product" else "")
                      + ".", "",
                      "| node | " + " | ".join(c[1] for c in cols) + " |",
                      "|---|" + "---|" * len(cols)]
            totals = {c[0]: [] for c in cols}
            for port in order:
                figs = [r["nodes"][port] for r in rs]
                cells = []
                for key, _, digits in cols:
                    cells.append(fmt(median([f[key] for f in figs]), digits))
                lines.append(f"| {names[port]} ({'master' if port in masters else 'replica'}) | "
                             + " | ".join(cells) + " |")
            for key, _, digits in cols:
                per_run = [sum(r["nodes"][p][key] for p in order) for r in rs]
                totals[key] = median(per_run)
            lines.append("| **all 6 nodes** | " + " | ".join(
                f"**{fmt(totals[key], digits)}**" for key, _, digits in cols) + " |")
            rs[0]["_totals"] = totals
            lines += ["", "Commands (first round): "
                      + "; ".join(f"`{c}`" for c in rs[0]["cmds"]), ""]

        lines += ["### Slot skew: topics per master", "",
                  "How evenly topics spread over the 3 masters, with the slots split as "
                  f"`redis-cli --cluster create` split them ({slot_ranges}): each topic's slot "
                  "computed in Python (FNV-1a 32-bit of the topic → 8 hex digits → CRC16-XMODEM "
                  "mod 16,384, as runtime/src/redis/cluster_keys.h and cluster_slot.cc do), "
                  f"checked against Redis: `CLUSTER KEYSLOT` of {keyslot_checked} shard channels "
                  + ("all equal" if not keyslot_bad else "DIFFERENT: " + "; ".join(keyslot_bad))
                  + f", and the gateways' {fmt(verify['subscriptions'])} shard subscriptions "
                  "above (`PUBSUB SHARDCHANNELS` on each master, every round) were each on the "
                  "master the Python hash names"
                  + ("" if not verify["misplaced"] else f" except {verify['misplaced']}") + ". "
                  "The mean share is 33.3 %; a uniform random spread would differ from it by "
                  "about ±1.5 points (one standard deviation) at 1,000 topics, ±0.5 at 10,000, "
                  "±0.15 at 100,000.", "",
                  "| topics | names | m1 | m2 | m3 | max / min / mean share | max ÷ mean |",
                  "|---|---|---|---|---|---|---|"]
        for family, pattern, n, shares in skew:
            example = pattern.format(0) + " … " + pattern.format(n - 1)
            lines.append(f"| {fmt(n)} | `{example}` | "
                         + " | ".join(f"{100 * s:.2f} %" for s in shares)
                         + f" | {100 * max(shares):.2f} % / {100 * min(shares):.2f} % / "
                           f"{100 * sum(shares) / len(shares):.2f} % | "
                           f"{max(shares) * len(shares) / sum(shares):.3f} |")
        lines.append("")

        # Reading.
        sb, cb = pub_medians[("broadcasts", "single")], pub_medians[("broadcasts", "cluster")]
        sc, cc = pub_medians[("comments-1000", "single")], pub_medians[("comments-1000", "cluster")]
        shares_b, mc_b, rc_b = pub_medians[("broadcasts", "per-master")]
        shares_c, mc_c, rc_c = pub_medians[("comments-1000", "per-master")]
        hot = max(range(3), key=lambda k: shares_b[k] or 0)
        hot_replica = next(reps[0] for port, _, reps in topo if port == masters[hot])
        sh_t, cl_t = fan["sharded"][0]["_totals"], fan["classic"][0]["_totals"]
        prod_t = fan["product"][0]["_totals"]

        def per_message(case, ports):
            """Cluster-bus bytes in per publish message received, median over nodes and runs."""
            return median([r["nodes"][p]["bus_in"] / r["nodes"][p]["pub_msgs"]
                           for r in fan[case] for p in ports if r["nodes"][p]["pub_msgs"] > 0.01])

        replicas = [p for p in order if p not in masters]
        others = [p for p in order if p != masters[0]]
        msg_sharded = per_message("sharded", replicas)
        msg_classic = per_message("classic", others)
        classic_other_read = median([median([r["nodes"][p]["read"] for r in fan["classic"]])
                                     for p in others])
        classic_other_cpu = median([median([r["nodes"][p]["cpu_us"] for r in fan["classic"]])
                                    for p in others])
        worst_skew = {n: max(max(s) * 3 for _, _, k, s in skew if k == n)
                      for n in (1000, 10000, 100000)}
        lines += ["### Reading", "",
                  "- **On 2 shared cores a cluster is slower, not faster.** Spread over 1,000 "
                  f"tracks, stored events went at {fmt(cc[0])}/s into the cluster against "
                  f"{fmt(sc[0])}/s into one redis-server, and plain events (one topic) at "
                  f"{fmt(cb[0])}/s against {fmt(sb[0])}/s: six redis-server processes, the "
                  "publisher's three connections and their I/O threads share two cores. The "
                  "cost per event is the figure to carry over: "
                  f"{fmt(cc[1], 2)} µs of Redis CPU per stored event over all 6 nodes against "
                  f"{fmt(sc[1], 2)} µs on one node that has no replica to feed, and "
                  f"{fmt(cb[1], 2)} µs per SPUBLISH against {fmt(sb[1], 2)} µs per PUBLISH. The "
                  "masters took "
                  + " / ".join(f"{100 * s:.0f} %" for s in shares_c if s is not None)
                  + " of the 1,000 tracks' events, so with a core per node a cluster's publish "
                  "capacity grows with its masters.",
                  "- **Sharded pub/sub still pays one cluster-bus message per event and "
                  "replica.** Redis 7.0 forwards every SPUBLISH to the replicas of the channel's "
                  f"shard as a cluster-bus message (about {fmt(msg_sharded)} bytes read per "
                  f"message for a {size}-byte payload: the cluster message header, which carries "
                  "the sender's 16,384-slot bitmap, is most of it), so a replica spends CPU on "
                  "every event of its master: "
                  f"{fmt(rc_b[hot], 2)} µs per event on {names[hot_replica]} in the broadcasts "
                  f"run, and its master {names[masters[hot]]}, which writes that message, spent "
                  f"{fmt(mc_b[hot], 2)} µs per SPUBLISH against {fmt(sb[1], 2)} µs per PUBLISH "
                  "on the single redis-server.",
                  "- **Classic PUBLISH makes every node read every event.** With PUBLISH to one "
                  f"node, each of the other 5 nodes read about {fmt(classic_other_read)} bytes "
                  f"per {size}-byte event from the cluster bus (one message of about "
                  f"{fmt(msg_classic)} bytes) and spent {fmt(classic_other_cpu, 2)} µs of CPU on "
                  f"it: {fmt(cl_t['read'])} bytes read and {fmt(cl_t['cpu_us'], 2)} µs of CPU "
                  "over the 6 nodes per event. With SPUBLISH to the owning master: "
                  f"{fmt(sh_t['read'])} bytes and {fmt(sh_t['cpu_us'], 2)} µs — the master reads "
                  "the command, its replica the one forwarded message, the other two shards "
                  "nothing. Classic pub/sub on a cluster adds nodes without adding capacity "
                  "(every node carries all the traffic); sharded pub/sub divides it by the "
                  "number of shards.",
                  "- **The cluster bus under load lost nothing.** Through the typed publisher "
                  "and RedisClusterBus at `--rate max` (FCALL pubsub_store on each topic's "
                  "master), the 3 gateways received "
                  f"{listed([r['gateway_events_in'] for r in fan['product']])} events in the "
                  f"{len(fan['product'])} runs of 3 s, every one acknowledged, with "
                  f"{fmt(sum(r['errors'] for r in fan['product']))} publish failures and "
                  f"{fmt(sum(r['lost'] or 0 for r in fan['product']))} deliveries lost to the "
                  f"300 WebSocket clients; a stored event cost {fmt(prod_t['read'])} bytes read "
                  f"and {fmt(prod_t['cpu_us'], 2)} µs of CPU over the 6 nodes (the replicas "
                  "read both the replicated FCALL effects and the forwarded SPUBLISH).",
                  "- **Topics spread evenly.** The busiest master held "
                  f"{100 * (worst_skew[1000] - 1):.1f} % more topics than the mean at 1,000 "
                  f"topics, {100 * (worst_skew[10000] - 1):.1f} % at 10,000 and "
                  f"{100 * (worst_skew[100000] - 1):.2f} % at 100,000 (the worse of the two name "
                  "families): the hash tag (FNV-1a of the topic) spreads sequential names like "
                  "random ones. Skew comes from traffic, not from names.",
                  "- **A hot topic lives on one master, by design.** A topic's history (stream "
                  "and meta hash) and its shard channel share one slot so that storing and "
                  "publishing stay one atomic FCALL on one shard; so one topic's throughput is "
                  "bounded by one master (plus its replicas' cluster-bus load). Here the single "
                  f"`broadcasts` topic sent {100 * shares_b[hot]:.0f} % of its events to "
                  f"{names[masters[hot]]} ({fmt(cb[0])}/s, the other masters idle); the "
                  f"single redis-server took {fmt(sb[0])} plain and {fmt(sc[0])} stored events/s "
                  "here (its publisher on the same 2 cores), about what one master can take for "
                  "one topic. "
                  "What to do about a hot topic: split it into scoped topics (a scope per "
                  "track, room or tenant — /ws/comments/{track_id} rather than one channel for "
                  "everything), which spread over the shards like the tracks above; move the "
                  "hot topic's slot to a less busy master, or other slots away from the hot "
                  "master (`redis-cli --cluster reshard`, CLUSTER SETSLOT; the bus follows "
                  "MOVED and moves its subscriptions: tests/integration/redis_cluster_test.py); "
                  "add shards so that the rest of the traffic leaves that master. No number of "
                  "shards splits one topic.", ""]

        # Summary rows.
        self.summary.append(("Redis Cluster: publish, typed publisher, 1 node vs 3 shards (2 shared cores)",
                             "—",
                             f"history, 1,000 tracks: {fmt(sc[0])}/s on 1 node vs {fmt(cc[0])}/s "
                             f"on 3+3 nodes ({fmt(sc[1], 2)} vs {fmt(cc[1], 2)} µs Redis CPU/event); "
                             f"no history: {fmt(sb[0])}/s vs {fmt(cb[0])}/s",
                             pub[("comments-1000", "cluster")][0]["_cmd"]))
        self.summary.append(("Redis Cluster: bytes read per event, all 6 nodes, classic vs sharded",
                             "—",
                             f"PUBLISH to one node: {fmt(cl_t['read'])} B; SPUBLISH to the "
                             f"owning master: {fmt(sh_t['read'])} B ({size}-byte message)",
                             fan["sharded"][0]["cmds"][1]))
        self.summary.append(("Redis Cluster: slot skew over 3 masters", "—",
                             f"busiest master +{100 * (worst_skew[1000] - 1):.1f} % over the mean "
                             f"at 1,000 topics, +{100 * (worst_skew[10000] - 1):.1f} % at 10,000, "
                             f"+{100 * (worst_skew[100000] - 1):.2f} % at 100,000",
                             f"bench/run_scenarios.sh --build {self.args.build} --only cluster"))
        self.section("9. Redis Cluster", TARGETS["cluster"], lines)

    def cluster_fanout(self, cl, topo, owner, case, i, n_topics, n_events, size, verify):
        """One run of the classic/sharded/product comparison; the per-node figures."""
        masters = [port for port, _, _ in topo]
        if case == "classic":
            gws = [self.start_gateway(f"redis://127.0.0.1:{m}") for m in masters]
        else:
            gws = [self.start_gateway(cl.url) for _ in masters]
        urls = []
        for g in gws:
            urls += ["--url", f"ws://127.0.0.1:{g['port']}"]
        out = {"errors": 0, "first_error": "", "lost": None, "cmds": []}
        in0 = [metric(g["port"], "pubsub_events_in_total") for g in gws]
        drop0 = [metric(g["port"], "pubsub_bus_messages_dropped_total") for g in gws]
        if case == "product":
            args = urls + [a for g in gws for a in ("--gateway-pid", g["pid"])]
            for pid in cl.pids:
                args += ["--redis-pid", pid]
            args += ["--clients", n_topics, "--path", "/ws/comments/{scope}", "--scopes", n_topics,
                     "--publish-via", "redis", "--redis", cl.url, "--rate", "max",
                     "--window", 256, "--duration", round(3 * self.q, 1)]
            s0 = self.cluster_snapshot(cl)
            r = self.loadgen(f"cluster-fanout-product-{i}", args)
            events = r.get("publish", {}).get("events_acked", 0)
            out["errors"] = r.get("publish", {}).get("events_failed", 0) or 0
            out["first_error"] = r.get("publish", {}).get("first_error", "") or (
                "" if r.get("ok") else r.get("error", ""))
            out["lost"] = r.get("deliveries", {}).get("lost")
            out["cmds"].append(r["_cmd"])
        else:
            holder, hcmd = self.loadgen(f"cluster-fanout-{case}-holder-{i}", urls + [
                "--clients", n_topics, "--path", "/ws/comments/{scope}", "--scopes", n_topics,
                "--hold", 120, "--quiet"], background=True)
            out["cmds"].append(self.shown(hcmd) + " &")
            what = "SHARDCHANNELS" if case == "sharded" else "CHANNELS"
            deadline = time.time() + 60
            while time.time() < deadline:
                subs = {m: cl.cli(m, "PUBSUB", what).split() for m in masters}
                if sum(len(v) for v in subs.values()) >= n_topics:
                    break
                time.sleep(0.2)
            if case == "sharded":
                for m, channels in subs.items():
                    for ch in channels:
                        verify["subscriptions"] += 1
                        if owner[key_slot(ch.encode())] != m:
                            verify["misplaced"] += 1
            plan = []
            for k in range(n_events):
                scope = k % n_topics
                env = comment_envelope(scope, k, size)
                if case == "sharded":
                    ch = shard_channel(f"track_comments:{scope}")
                    plan.append((owner[key_slot(ch)], resp("SPUBLISH", ch, env)))
                else:
                    plan.append((masters[0], resp("PUBLISH", f"pubsub:track_comments:{scope}", env)))
            s0 = self.cluster_snapshot(cl)
            p = raw_publish(plan)
            events = p["sent"]
            out["errors"], out["first_error"] = p["errors"], p["first_error"]
            deadline = time.time() + 30
            while time.time() < deadline:
                if sum(metric(g["port"], "pubsub_events_in_total") for g in gws) - sum(in0) >= events:
                    break
                time.sleep(0.1)
            time.sleep(1)
            out["cmds"].append(f"bench/scenarios/run.py raw_publish: {fmt(n_events)} × "
                               + (f"SPUBLISH pubsub:{{H}}track_comments:K <{size} B> to K's master"
                                  if case == "sharded" else
                                  f"PUBLISH pubsub:track_comments:K <{size} B> to m1 "
                                  f"(port {masters[0]})"))
        s1 = self.cluster_snapshot(cl)
        out["gateway_events_in"] = sum(metric(g["port"], "pubsub_events_in_total") for g in gws) - sum(in0)
        out["gateway_dropped"] = sum(metric(g["port"], "pubsub_bus_messages_dropped_total") for g in gws) - sum(drop0)
        if case != "product":
            holder.send_signal(signal.SIGTERM)  # ours, by PID; its report is not used
            holder.communicate(timeout=30)
        self.stop([g["pid"] for g in gws])
        out["events"] = events
        out["nodes"] = {}
        for port in s0:
            d = {k: s1[port].get(k, 0) - s0[port].get(k, 0) for k in (
                "total_net_input_bytes", "total_net_repl_input_bytes", "rchar", "wchar",
                "cluster_stats_messages_received", "cluster_stats_messages_publish_received",
                "cluster_stats_messages_publishshard_received", "cpu")}
            e = max(events, 1)
            out["nodes"][port] = {
                "client_in": (d["total_net_input_bytes"] - d["total_net_repl_input_bytes"]) / e,
                "repl_in": d["total_net_repl_input_bytes"] / e,
                "bus_in": (d["rchar"] - d["total_net_input_bytes"]) / e,
                "read": d["rchar"] / e, "written": d["wchar"] / e,
                "pub_msgs": (d["cluster_stats_messages_publish_received"] +
                             d["cluster_stats_messages_publishshard_received"]) / e,
                "all_msgs": d["cluster_stats_messages_received"] / e,
                "cpu_us": d["cpu"] * 1e6 / e}
        with open(os.path.join(self.results, f"cluster-fanout-{case}-{i}.json"), "w") as f:
            json.dump(out, f, indent=1)
        print(f"    -> {case}: {events} events, gateways got {out['gateway_events_in']:.0f}, "
              f"errors {out['errors']}", flush=True)
        return out

    # --- output ------------------------------------------------------------
    def machine(self):
        model = "unknown"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kib = int(f.readline().split()[1])
        redis_version = subprocess.run(["redis-server", "--version"], capture_output=True,
                                       text=True).stdout.strip()
        return [f"- CPU: {os.cpu_count()} × {model}",
                f"- Memory: {mem_kib / 1024 / 1024:.1f} GiB; kernel {platform.release()}",
                f"- Open-file limit per process: {os.sysconf('SC_OPEN_MAX'):,} (hard; cannot be raised)",
                f"- {redis_version.split(' sha=')[0]}",
                f"- Build: `{self.args.build}` (CMAKE_BUILD_TYPE=Release)"]

    def write(self, load_start, load_end, started, scenarios):
        out = ["# Benchmarks", "",
               "Measured by `bench/run_scenarios.sh` (which starts Redis and the gateway replicas "
               "itself, drives them with `pubsub-loadgen`, and stops them); the figures of issue 5's "
               "standard scenarios beside the targets of DESIGN section 10. Everything runs on "
               "one machine: Redis, the gateways and the load generator share its cores, so "
               "**gateway CPU µs per delivery** is the figure that compares systems fairly.", "",
               "## Machine", ""] + self.machine() + [
               "- Other work on the machine: each section says when it ran and how much of the "
               "machine's CPU other processes used meanwhile (/proc/stat, minus this script's own "
               "processes); they were run when the machine was otherwise quiet "
               "(`--wait-quiet`).",
               f"- Raw JSON reports and logs: `{rel(self.results)}/` and the directories it reuses; "
               "the scenarios: " + ", ".join(scenarios) + ".", "",
               "## Summary", "",
               "| scenario | target | measured | command |", "|---|---|---|---|"]
        for name, target, value, cmd in self.summary:
            out.append(f"| {name} | {target} | {value} | `{cmd}` |")
        out.append("")
        for section in self.sections:
            out += section
        extra = os.path.join(ROOT, "bench", "scenarios", "notes.md")
        if os.path.exists(extra):
            with open(extra) as f:
                out += [f.read().rstrip(), ""]
        with open(self.args.out, "w") as f:
            f.write("\n".join(out) + "\n")
        print(f"wrote {self.args.out}")


SCENARIOS = ["ceiling", "idle", "fanout", "latency", "scoped", "personal", "publish", "micro",
             "compare", "history", "cluster", "everyday", "loops"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build-f")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--quick", action="store_true", help="shorter runs, 20k instead of 100k")
    parser.add_argument("--compare-gateway", default="",
                        help="an older pubsub-gateway binary: fan-out and latency also run with it")
    parser.add_argument("--wait-quiet", type=float, default=0,
                        help="before each scenario, wait up to this many seconds until the "
                             "machine is less than 15 %% busy with other work")
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--reuse", default="",
                        help="a previous results directory: its scenarios not run now are kept")
    args = parser.parse_args()
    chosen = [s for s in args.only.split(",") if s and s != "none"]
    for s in chosen:
        if s not in SCENARIOS:
            sys.exit(f"unknown scenario {s!r}; known: {', '.join(SCENARIOS)}")
    bench = Bench(args)
    for binary in (bench.gateway_bin, bench.loadgen_bin):
        if not os.path.exists(binary):
            sys.exit(f"{rel(binary)} is missing: cmake --build {args.build} "
                     "--target pubsub-gateway pubsub-loadgen json_benchmark")
    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    load_start = load_average()
    previous = {}
    if args.reuse:
        with open(os.path.join(args.reuse, "sections.json")) as f:
            previous = json.load(f)
    done = {}
    try:
        for s in SCENARIOS:
            if s in chosen:
                deadline = time.time() + args.wait_quiet
                busy = busy_fraction()
                while busy > 0.15 and time.time() < deadline:
                    print(f"   waiting for a quiet machine ({100 * busy:.0f} % busy)", flush=True)
                    time.sleep(10)
                    busy = busy_fraction()
                bench.busy[s] = busy
                print(f"== {s} (load {load_average():.2f}, {100 * busy:.0f} % busy before)",
                      flush=True)
                sections, summary = len(bench.sections), len(bench.summary)
                wall0, machine0, ours0 = time.time(), machine_cpu_seconds(), our_cpu_seconds()
                getattr(bench, s)()
                bench.stop()  # every child reaped: its CPU is in RUSAGE_CHILDREN
                other = (machine_cpu_seconds() - machine0) - (our_cpu_seconds() - ours0)
                other_share = max(other, 0) / ((time.time() - wall0) * os.cpu_count())
                for section in bench.sections[sections:]:
                    at = 4 if len(section) > 2 and section[2].startswith("### ") else 2
                    section.insert(at, f"_Run at {started_at()}; other work on the machine used "
                                      f"{100 * other_share:.0f} % of its CPU during this scenario "
                                      f"({100 * busy:.0f} % just before)._")
                    section.insert(at + 1, "")
                done[s] = {"sections": bench.sections[sections:], "summary": bench.summary[summary:],
                           "load": load_average()}
            elif s in previous:
                bench.sections += previous[s]["sections"]
                bench.summary += [tuple(row) for row in previous[s]["summary"]]
                done[s] = previous[s]
    finally:
        bench.stop()
    with open(os.path.join(bench.results, "sections.json"), "w") as f:
        json.dump(done, f, indent=1)
    bench.write(load_start, load_average(), started, [s for s in SCENARIOS if s in done])


if __name__ == "__main__":
    main()
