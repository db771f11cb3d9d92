"""tools/deploy/, end to end: the container's entrypoint (entrypoint.sh) run as
the container runs it, with the built gateway (PUBSUB_GATEWAY_BIN) and a
temporary secrets directory standing in for /run/secrets; the example
gateway.conf and gateway.env; the systemd unit, verified by systemd-analyze
when it is installed. No container engine is needed: the Containerfile's
build is left to users, but what it runs is tested here."""

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

import websockets

from harness import GATEWAY, PUBLISHER_KEY, SECRET, WAIT_SECONDS, free_port, mint_token

SOURCE_DIR = os.environ.get("PUBSUB_SOURCE_DIR",
                            os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY_DIR = os.path.join(SOURCE_DIR, "tools", "deploy")
ENTRYPOINT = os.path.join(DEPLOY_DIR, "entrypoint.sh")

BROADCAST = {"type": "new_broadcast",
             "data": {"id": 1, "title": "Hi", "content": "deployed", "author": "ann",
                      "created_at": "2026-11-25T10:00:00Z"}}


def clean_environment(**variables):
    """This process's environment without PUBSUB_* variables (ctest sets some),
    plus `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBSUB_")}
    env.update(variables)
    return env


def parse_print_config(text):
    """--print-config's output as ({setting: [(value, source), ...]}, [note, ...])."""
    settings, notes = {}, []
    for line in text.splitlines():
        if line.startswith("# "):
            notes.append(line[2:])
            continue
        # SETTING  VALUE  SOURCE: columns are separated by two spaces or more.
        setting, value, source = re.split(r"\s{2,}", line.strip(), maxsplit=2)
        settings.setdefault(setting, []).append((value, source))
    return settings, notes


class ContainerLayout:
    """A temporary stand-in for what a container provides: a secrets
    directory (/run/secrets) and a mounted config file."""

    def __init__(self, config_text):
        self.dir = tempfile.TemporaryDirectory(prefix="pubsub-deploy-")
        self.secrets = os.path.join(self.dir.name, "secrets")
        os.mkdir(self.secrets)
        self.write_secret("jwt-secret", SECRET + "\n")
        self.write_secret("publisher-key", PUBLISHER_KEY + "\n")
        self.config = os.path.join(self.dir.name, "gateway.conf")
        with open(self.config, "w") as f:
            f.write(config_text)

    def write_secret(self, name, content):
        path = os.path.join(self.secrets, name)
        with open(path, "w") as f:
            f.write(content)
        return path

    def environment(self, **variables):
        return clean_environment(PUBSUB_GATEWAY_BIN=GATEWAY, PUBSUB_SECRETS_DIR=self.secrets,
                                 PUBSUB_CONFIG=self.config, **variables)

    def run(self, *args, **variables):
        """Runs the entrypoint to completion: (exit status, stdout, stderr)."""
        done = subprocess.run([ENTRYPOINT, *args], env=self.environment(**variables),
                              capture_output=True, text=True, timeout=WAIT_SECONDS)
        return done.returncode, done.stdout, done.stderr

    def cleanup(self):
        self.dir.cleanup()


CONFIG = """# a mounted config file
max-body-bytes = 300
allowed-origin = https://app.example.com
allowed-origin = https://admin.example.com
"""


class PrintConfigTest(unittest.TestCase):
    def setUp(self):
        self.layout = ContainerLayout(CONFIG)
        self.addCleanup(self.layout.cleanup)

    def test_the_conventions_and_every_source_show_in_print_config(self):
        status, out, err = self.layout.run("--print-config", "--handshake-timeout-seconds", "5",
                                           PUBSUB_THREADS="2",
                                           PUBSUB_BUS="redis://app:hunter2@127.0.0.1:6390/1")
        self.assertEqual(status, 0, err)
        settings, notes = parse_print_config(out)
        secrets, config = self.layout.secrets, self.layout.config
        expected = {
            # The container's conventions, exported by the entrypoint.
            "listen": [("0.0.0.0:8080", "env PUBSUB_LISTEN")],
            "shutdown-timeout-seconds": [("8", "env PUBSUB_SHUTDOWN_TIMEOUT_SECONDS")],
            "jwt-secret-file": [(f"{secrets}/jwt-secret", "env PUBSUB_JWT_SECRET_FILE")],
            "publisher-key-file": [(f"{secrets}/publisher-key", "env PUBSUB_PUBLISHER_KEY_FILE")],
            # No such secret: no setting.
            "redis-password-file": [("(none)", "default")],
            "jwt-public-key-file": [("(none)", "default")],
            # The config file, the environment, the command line.
            "max-body-bytes": [("300", f"file {config}:2")],
            "allowed-origin": [("https://app.example.com", f"file {config}:3"),
                               ("https://admin.example.com", f"file {config}:4")],
            "threads": [("2", "env PUBSUB_THREADS")],
            "handshake-timeout-seconds": [("5", "flag --handshake-timeout-seconds")],
            # The password of a Redis URL is never printed.
            "bus": [("redis://app:****@127.0.0.1:6390/1", "env PUBSUB_BUS")],
            "max-frame-bytes": [("65536", "default")],
        }
        for setting, values in expected.items():
            self.assertEqual(settings.get(setting), values, f"{setting}:\n{out}")
        self.assertNotIn("hunter2", out + err)
        self.assertIn(f"config file: {config} (env PUBSUB_CONFIG)", notes)
        # The entrypoint's own variables reach the gateway, which says it ignores them.
        self.assertIn("ignored: env PUBSUB_GATEWAY_BIN (not a setting)", notes)
        self.assertIn("ignored: env PUBSUB_SECRETS_DIR (not a setting)", notes)

    def test_a_setting_given_anywhere_is_not_replaced_by_a_convention(self):
        with open(self.layout.config, "a") as f:
            f.write("listen = 127.0.0.1:9999\n")
        other_secret = self.layout.write_secret("other-jwt-secret", SECRET)
        status, out, err = self.layout.run(f"--jwt-secret-file={other_secret}", "--print-config",
                                           PUBSUB_SHUTDOWN_TIMEOUT_SECONDS="3",
                                           PUBSUB_PUBLISHER_KEY_FILE="/etc/pubsub/publisher-key")
        self.assertEqual(status, 0, err)
        settings, _ = parse_print_config(out)
        self.assertEqual(settings["listen"], [("127.0.0.1:9999", f"file {self.layout.config}:5")])
        self.assertEqual(settings["shutdown-timeout-seconds"],
                         [("3", "env PUBSUB_SHUTDOWN_TIMEOUT_SECONDS")])
        self.assertEqual(settings["jwt-secret-file"], [(other_secret, "flag --jwt-secret-file")])
        self.assertEqual(settings["publisher-key-file"],
                         [("/etc/pubsub/publisher-key", "env PUBSUB_PUBLISHER_KEY_FILE")])

    def test_errors_name_their_source_and_exit_2(self):
        with open(self.layout.config, "a") as f:
            f.write("lisen = 0.0.0.0:80\n")
        status, out, err = self.layout.run()
        self.assertEqual(status, 2, out)
        self.assertIn(f"config file {self.layout.config}:5: unknown setting 'lisen' "
                      "(did you mean 'listen'?)", err)
        os.truncate(self.layout.config, 0)
        status, out, err = self.layout.run(PUBSUB_THREADS="many")
        self.assertEqual(status, 2, out)
        self.assertIn("environment PUBSUB_THREADS: expected a number from 1 to 1024, got 'many'",
                      err)

    def test_another_command_runs_instead_of_the_gateway(self):
        status, out, err = self.layout.run("/bin/echo", "inside the container")
        self.assertEqual((status, out), (0, "inside the container\n"), err)


class RunningGatewayTest(unittest.TestCase):
    """The gateway as the container runs it: started through the entrypoint,
    probed by the HEALTHCHECK command, stopped by SIGTERM."""

    def setUp(self):
        self.layout = ContainerLayout(CONFIG)
        self.addCleanup(self.layout.cleanup)
        # A fixed port, as in a container: the healthcheck asks the gateway's
        # --print-config for it. The setting comes from the environment.
        self.port = free_port()
        self.variables = {"PUBSUB_LISTEN": f"127.0.0.1:{self.port}"}
        self.log = tempfile.TemporaryFile(mode="w+")
        self.addCleanup(self.log.close)
        self.process = subprocess.Popen([ENTRYPOINT], env=self.layout.environment(**self.variables),
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.addCleanup(self.stop)
        line = self.process.stdout.readline()
        self.assertIn(f"listening on http://127.0.0.1:{self.port}", line, self.logs())
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def logs(self):
        self.log.seek(0)
        return self.log.read()

    def request(self, method, path, body=None, headers=None):
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=WAIT_SECONDS) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def healthcheck(self, *args):
        return self.layout.run("healthcheck", *args, **self.variables)

    def publish(self, event):
        return self.request("POST", "/api/publish", json.dumps(event).encode(),
                            {"Authorization": f"Bearer {PUBLISHER_KEY}",
                             "Content-Type": "application/json"})

    def test_serves_with_every_source_and_stops_on_sigterm_with_0(self):
        # The entrypoint exec'd the gateway: no shell is left to swallow signals.
        self.assertEqual(os.path.realpath(f"/proc/{self.process.pid}/exe"),
                         os.path.realpath(GATEWAY))
        self.assertEqual(self.request("GET", "/readyz")[0], 200)
        self.assertEqual(self.request("GET", "/healthz")[0], 200)

        # The JWT secret and the publisher key came from the secrets directory.
        async def receive_a_broadcast():
            uri = f"ws://127.0.0.1:{self.port}/ws/broadcasts?token={mint_token('ann')}"
            async with websockets.connect(uri, open_timeout=WAIT_SECONDS,
                                          origin="https://app.example.com") as ws:
                status, body = await asyncio.to_thread(self.publish, BROADCAST)
                self.assertEqual(status, 202, body)
                return json.loads(await asyncio.wait_for(ws.recv(), WAIT_SECONDS))

        self.assertEqual(asyncio.run(receive_a_broadcast()), BROADCAST)
        self.assertEqual(self.request("POST", "/api/publish", b"{}")[0], 401)
        # max-body-bytes = 300 came from the config file.
        big = dict(BROADCAST, data=dict(BROADCAST["data"], content="x" * 400))
        self.assertEqual(self.publish(big)[0], 413)

        # The HEALTHCHECK command finds the port through --print-config.
        self.assertEqual(self.healthcheck()[0], 0)
        self.assertEqual(self.healthcheck("/readyz")[0], 0)
        self.assertNotEqual(self.healthcheck("/no-such-page")[0], 0)

        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.process.wait(timeout=WAIT_SECONDS), 0, self.logs())
        self.assertIn("received SIGTERM", self.logs())
        status, _, err = self.healthcheck()
        self.assertNotEqual(status, 0, "healthy after the gateway stopped")


class ExamplesTest(unittest.TestCase):
    def test_example_config_and_environment_files_are_valid(self):
        """gateway.conf as shipped, with every variable of gateway.env, even
        the commented ones, set."""
        variables = {}
        with open(os.path.join(DEPLOY_DIR, "gateway.env")) as f:
            for line in f:
                match = re.match(r"^#?\s*(PUBSUB_[A-Z_]+)=(.*)$", line.strip())
                if match:
                    variables[match.group(1)] = match.group(2)
        self.assertIn("PUBSUB_LISTEN", variables)
        done = subprocess.run([GATEWAY, "--config", os.path.join(DEPLOY_DIR, "gateway.conf"),
                               "--print-config"], env=clean_environment(**variables),
                              capture_output=True, text=True, timeout=WAIT_SECONDS)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("not a setting", done.stdout)
        settings, _ = parse_print_config(done.stdout)
        self.assertEqual(settings["jwt-secret-file"][0][0],
                         "/run/credentials/pubsub-gateway.service/jwt-secret")

    def test_entrypoint_is_posix_sh(self):
        with open(ENTRYPOINT) as f:
            self.assertEqual(f.readline().strip(), "#!/bin/sh")
        self.assertTrue(os.access(ENTRYPOINT, os.X_OK))
        for shell in ("dash", "sh"):
            if shutil.which(shell):
                done = subprocess.run([shell, "-n", ENTRYPOINT], capture_output=True, text=True)
                self.assertEqual(done.returncode, 0, done.stderr)
        if shutil.which("shellcheck") is None:
            self.skipTest("shellcheck is not installed: syntax checked with sh -n only")
        done = subprocess.run(["shellcheck", "--shell=sh", ENTRYPOINT], capture_output=True,
                              text=True)
        self.assertEqual(done.returncode, 0, done.stdout)

    def test_containerfile_copies_files_that_exist(self):
        """What a build would fail on first, without a container engine:
        COPY sources missing from the repository."""
        with open(os.path.join(DEPLOY_DIR, "Containerfile")) as f:
            text = f.read()
        copies = re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE)
        self.assertTrue(copies)
        for copy in copies:
            for source in copy.split()[:-1]:
                self.assertTrue(os.path.exists(os.path.join(SOURCE_DIR, source)), source)
        self.assertIn("tools/deploy/entrypoint.sh /out/usr/local/bin/pubsub-entrypoint", text)
        self.assertIn('ENTRYPOINT ["/usr/local/bin/pubsub-entrypoint"]', text)
        self.assertRegex(text, r'HEALTHCHECK .*\n\s+CMD \["/usr/local/bin/pubsub-entrypoint", '
                               r'"healthcheck"')
        self.assertRegex(text, r"(?m)^USER pubsub$")


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is not installed: the unit is not verified")
        self.dir = tempfile.TemporaryDirectory(prefix="pubsub-unit-")
        self.addCleanup(self.dir.cleanup)
        # verify checks that ExecStart's program exists: the built gateway
        # stands in for /usr/local/bin/pubsub-gateway.
        with open(os.path.join(DEPLOY_DIR, "pubsub-gateway.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/local/bin/pubsub-gateway --config /etc/pubsub/gateway.conf",
                      unit)
        self.unit = os.path.join(self.dir.name, "pubsub-gateway.service")
        with open(self.unit, "w") as f:
            f.write(unit.replace("/usr/local/bin/pubsub-gateway", GATEWAY))

    def test_the_unit_verifies_cleanly(self):
        done = subprocess.run(["systemd-analyze", "verify", self.unit], capture_output=True,
                              text=True, cwd=self.dir.name, timeout=60)
        # verify exits 0 even for an unknown key: any message about the unit
        # is a failure (other units of the machine may have their own).
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, output)
        self.assertNotIn("pubsub-gateway.service", output)

    def test_the_unit_stays_hardened(self):
        # Exposure 0-100 (shown as 0.0-10.0); "OK" is up to 2.0.
        done = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=20",
                               self.unit], capture_output=True, text=True, cwd=self.dir.name,
                              timeout=60)
        if "unrecognized option" in done.stderr:
            self.skipTest("this systemd-analyze has no --offline (systemd < 250)")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)


if __name__ == "__main__":
    unittest.main()
