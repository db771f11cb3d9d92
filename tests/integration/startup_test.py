"""Start-up refusals, end to end: a gateway that cannot do what its flags ask
exits non-zero at once with a message that names the flag, instead of serving
half-configured. A port another process listens on (the listener's
SO_REUSEPORT would otherwise let a second gateway take half the connections
silently), a taken gRPC port, and an HS256 secret too short to be safe."""

import os
import re
import socket
import subprocess
import tempfile
import unittest

from harness import GATEWAY, WAIT_SECONDS, Gateway


def start_and_expect_refusal(test, *args):
    """Runs a gateway that must refuse to start; returns its stderr."""
    process = subprocess.Popen([GATEWAY, "--bus", "memory", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        test.fail(f"the gateway did not exit: {out!r}\n{err}")
    test.assertNotEqual(process.returncode, 0, f"{out}\n{err}")
    test.assertNotIn("listening on", out)
    return err


def listening_socket():
    """A plain listener (no SO_REUSEPORT), as most servers open them."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


class ListenPortTest(unittest.TestCase):
    def test_a_second_gateway_on_a_taken_port_exits_with_the_reason(self):
        first = Gateway(dev_auth=True)
        try:
            err = start_and_expect_refusal(self, "--dev-auth", "--listen",
                                           f"127.0.0.1:{first.port}")
            self.assertIn(f"--listen 127.0.0.1:{first.port}: address already in use (another "
                          "process listens there; pass --reuse-port to share the port "
                          "deliberately)", err)
            # The wildcard address overlaps 127.0.0.1: taken too.
            err = start_and_expect_refusal(self, "--dev-auth", "--listen", f"0.0.0.0:{first.port}")
            self.assertIn("address already in use", err)
            # The first gateway is unaffected.
            self.assertEqual(first.request("GET", "/healthz")[0], 200)
        finally:
            first.close()

    def test_a_port_taken_by_another_program_is_refused_even_with_reuse_port(self):
        with listening_socket() as taken:
            port = taken.getsockname()[1]
            err = start_and_expect_refusal(self, "--dev-auth", "--listen", f"127.0.0.1:{port}")
            self.assertIn(f"--listen 127.0.0.1:{port}: address already in use", err)
            # It did not set SO_REUSEPORT: there is nothing to share.
            err = start_and_expect_refusal(self, "--dev-auth", "--reuse-port", "--listen",
                                           f"127.0.0.1:{port}")
            self.assertIn(f"--listen 127.0.0.1:{port}: address already in use", err)
            self.assertIn("without SO_REUSEPORT", err)

    def test_with_reuse_port_on_both_both_start_and_share_the_port(self):
        first = Gateway("--reuse-port", dev_auth=True)
        second = None
        try:
            second = Gateway("--reuse-port", "--listen", f"127.0.0.1:{first.port}", dev_auth=True)
            self.assertEqual(second.port, first.port)
            self.assertTrue(first.alive() and second.alive())
            # Once the first stops, the second alone serves the port.
            self.assertEqual(first.stop(), 0)
            self.assertEqual(second.request("GET", "/healthz")[0], 200)
            self.assertTrue(second.alive())
        finally:
            first.close()
            if second is not None:
                second.close()

    def test_port_0_picks_a_free_port_each_time(self):
        first = Gateway(dev_auth=True)
        second = Gateway(dev_auth=True)
        try:
            self.assertNotEqual(first.port, second.port)
        finally:
            first.close()
            second.close()


class GrpcPortTest(unittest.TestCase):
    def test_a_taken_grpc_port_is_refused(self):
        first = Gateway("--grpc-listen", "127.0.0.1:0", dev_auth=True)
        try:
            grpc_port = int(re.search(r"\bgrpc=127\.0\.0\.1:(\d+)", first.startup_line).group(1))
            # --reuse-port is about --listen: the gRPC port is never shared.
            for extra in ([], ["--reuse-port"]):
                with self.subTest(extra=extra):
                    err = start_and_expect_refusal(self, "--dev-auth", "--listen", "127.0.0.1:0",
                                                   "--grpc-listen", f"127.0.0.1:{grpc_port}",
                                                   *extra)
                    self.assertIn(f"--grpc-listen: cannot listen on 127.0.0.1:{grpc_port}", err)
        finally:
            first.close()
        with listening_socket() as taken:
            port = taken.getsockname()[1]
            err = start_and_expect_refusal(self, "--dev-auth", "--listen", "127.0.0.1:0",
                                           "--grpc-listen", f"127.0.0.1:{port}")
            self.assertIn(f"--grpc-listen: cannot listen on 127.0.0.1:{port}", err)


class JwtSecretTest(unittest.TestCase):
    def test_a_short_secret_is_refused_saying_how_to_make_one(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "jwt-secret")
            with open(path, "w") as f:
                f.write("integration-test-secret\n")  # 23 bytes
            err = start_and_expect_refusal(self, "--listen", "127.0.0.1:0",
                                           "--jwt-secret-file", path)
            self.assertIn(f"--jwt-secret-file {path}: the HS256 secret is 23 bytes; at least 32 "
                          "are required", err)
            self.assertIn(f"make one with: head -c 32 /dev/urandom | base64 > {path}", err)


if __name__ == "__main__":
    unittest.main()
