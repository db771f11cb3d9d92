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
}


def started_at():
    return datetime.datetime.now().strftime("%H:%M")


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
        cmd += list(extra)
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

    def fanout_run(self, tag, n_gateways, binary=None, duration=10):
        redis = self.start_redis()
        gws = [self.start_gateway(redis["url"], binary=binary) for _ in range(n_gateways)]
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

    def latency_run(self, tag, rate, binary=None, replicas=2):
        redis = self.start_redis()
        gws = [self.start_gateway(redis["url"], binary=binary) for _ in range(replicas)]
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
             "compare", "history"]


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
                    section.insert(2, f"_Run at {started_at()}; other work on the machine used "
                                      f"{100 * other_share:.0f} % of its CPU during this scenario "
                                      f"({100 * busy:.0f} % just before)._")
                    section.insert(3, "")
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
