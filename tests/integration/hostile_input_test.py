"""The gateway under hostile input (issue 9): each input is sent as raw bytes
to a real gateway process, gets a clean refusal, and neither crashes the
process nor makes it hold memory, while a client on the side keeps receiving
events.

The three reported defects:
  1. a chunked request whose trailer holds one ~70 KB field aborted the
     process (std::length_error out of a read handler), on any path, before
     authentication;
  2. an endless chunk extension, or a trailer of endless fields, was buffered
     without limit (64 MB sent -> ~90 MB more RSS);
  3. an authenticated client sending pings and never reading made the gateway
     queue pongs without limit (200 MB of pings -> +190 MB RSS).
Memory is judged by the process's peak RSS (VmHWM) before and after."""

import asyncio
import base64
import os
import select
import socket
import struct
import time
import unittest

from harness import Gateway, PUBLISHER_KEY, WAIT_SECONDS, mint_token, recv_json

# What an attack may add to the gateway's peak RSS. The bounds it meets are a
# few KiB per connection; this leaves room for allocator noise.
RSS_SLACK_KIB = 16 * 1024

KEY_HEADER = f"Authorization: Bearer {PUBLISHER_KEY}\r\n".encode()


def peak_rss_kib(gw):
    with open(f"/proc/{gw.process.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def attack(port, head, filler, total):
    """Sends `head`, then `filler` over and over up to `total` bytes, reading
    whatever the gateway answers meanwhile. Returns (answer bytes, bytes sent)
    once the gateway closed the connection or everything was sent."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    s.setblocking(False)
    answer, sent, closed = b"", len(head), False
    deadline = time.monotonic() + WAIT_SECONDS
    while not closed and time.monotonic() < deadline:
        readable, writable, _ = select.select([s], [s] if sent < total else [], [], 1)
        if readable:
            try:
                data = s.recv(65536)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            answer += data
            closed = not data
        if writable and not closed:
            try:
                sent += s.send(filler)
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                closed = True
        if sent >= total and not readable and not closed:
            s.shutdown(socket.SHUT_WR)
    s.close()
    return answer, sent


def blast(s, data, total, seconds=3):
    """Sends `data` over and over for `seconds` or `total` bytes, never
    reading; returns the bytes the gateway took."""
    s.setblocking(False)
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sent < total:
        try:
            sent += s.send(data)
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            break
    return sent


def status_line(answer):
    return answer.split(b"\r\n", 1)[0].decode(errors="replace")


class HostileInputTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        # A short idle timeout, so that a client that stops reading is closed
        # within the test; the observer answers pings every second, with 5 s
        # of slack on a loaded machine (a CI box building in parallel).
        self.gw = Gateway("--idle-timeout-seconds", "6", "--ping-interval-seconds", "1")
        self.observer = await self.gw.connect("/ws/broadcasts", user="observer").__aenter__()
        self.serial = 0

    async def asyncTearDown(self):
        await self.observer.close()
        self.assertTrue(self.gw.alive(), self.gw.logs())
        self.gw.close()

    async def assert_still_serving(self):
        self.assertTrue(self.gw.alive(), self.gw.logs())
        self.serial += 1
        event = {"type": "new_broadcast", "data": {"id": self.serial, "title": "still here",
                                                   "content": "", "author": "",
                                                   "created_at": "2026-12-04T10:00:00Z"}}
        status, body = self.gw.publish(event)
        self.assertEqual(status, 202, body)
        self.assertEqual((await recv_json(self.observer))["data"]["id"], self.serial)

    async def refused(self, head, filler=b"", total=0, expect=""):
        before = peak_rss_kib(self.gw)
        answer, sent = await asyncio.to_thread(attack, self.gw.port, head, filler or b"x",
                                               total or len(head))
        self.assertIn(expect, status_line(answer), answer[:300])
        self.assertIn(b"Connection: close", answer.split(b"\r\n\r\n")[0])
        growth = peak_rss_kib(self.gw) - before
        self.assertLess(growth, RSS_SLACK_KIB, f"peak RSS grew {growth} KiB after {sent} bytes")
        await self.assert_still_serving()
        return answer

    async def test_one_huge_trailer_field_is_refused_on_any_path(self):
        trailer = b"0\r\nX-T: " + b"a" * 70_000 + b"\r\n\r\n"
        for head, expect in (
                (b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", " 431 "),
                # Not a valid upgrade: refused from the header alone.
                (b"GET /ws/broadcasts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                 " 426 "),
                (b"POST /api/publish HTTP/1.1\r\nHost: x\r\n" + KEY_HEADER +
                 b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", " 431 ")):
            with self.subTest(head=head[:20]):
                await self.refused(head + trailer, expect=expect)
        # Not a publish without the key: refused before the body is read at all.
        answer = await self.refused(
            b"POST /api/publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
            trailer, expect=" 401 ")
        self.assertIn(b"missing publisher key", answer)

    async def test_an_endless_chunk_extension_is_refused(self):
        for head in (b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0;",
                     b"POST /api/publish HTTP/1.1\r\nHost: x\r\n" + KEY_HEADER +
                     b"Transfer-Encoding: chunked\r\n\r\n1;a="):
            with self.subTest(head=head[:20]):
                answer = await self.refused(head, b"b" * 65536, 64 << 20, expect=" 400 ")
                self.assertIn(b"chunk-size line (with extensions) longer than", answer)

    async def test_endless_trailer_fields_are_refused(self):
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        answer = await self.refused(head, b"X-Filler: y\r\n" * 5000, 64 << 20, expect=" 431 ")
        self.assertIn(b"request trailers larger than", answer)

    async def test_endless_headers_and_targets_are_refused(self):
        await self.refused(b"GET /healthz HTTP/1.1\r\nX-A: ", b"a" * 65536, 64 << 20,
                           expect=" 431 ")
        await self.refused(b"GET /", b"a" * 65536, 64 << 20, expect=" 4")
        await self.refused(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", expect=" 414 ")
        await self.refused(b"GET /healthz HTTP/1.1\r\n" + b"X: y\r\n" * 100 + b"\r\n",
                           expect=" 431 ")

    async def test_a_body_where_none_belongs_and_oversize_bodies_are_refused(self):
        await self.refused(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n",
                           b"z" * 65536, 64 << 20, expect=" 413 ")
        await self.refused(b"POST /api/publish HTTP/1.1\r\nHost: x\r\n" + KEY_HEADER +
                           b"Transfer-Encoding: chunked\r\n\r\n", b"ffff\r\n" + b"z" * 65535 +
                           b"\r\n", 64 << 20, expect=" 413 ")
        await self.refused(b"POST /api/publish HTTP/1.1\r\nHost: x\r\n" + KEY_HEADER +
                           b"Transfer-Encoding: chunked\r\n\r\n", b"1\r\nz\r\n", 64 << 20,
                           expect=" 400 ")

    async def test_pipelined_requests_are_answered_in_turn_without_buffering_them(self):
        before = peak_rss_kib(self.gw)
        s = socket.create_connection(("127.0.0.1", self.gw.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # The gateway stops reading while its answers are not read.
        sent = await asyncio.to_thread(
            blast, s, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 1000, 32 << 20)
        growth = peak_rss_kib(self.gw) - before
        self.assertLess(growth, RSS_SLACK_KIB, f"peak RSS grew {growth} KiB after {sent} bytes")
        s.setblocking(True)
        s.settimeout(WAIT_SECONDS)
        self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200 OK"))
        s.close()
        await self.assert_still_serving()

    async def test_pings_from_a_client_that_never_reads_do_not_queue_pongs(self):
        s = socket.create_connection(("127.0.0.1", self.gw.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /ws/broadcasts?token={mint_token('pinger')} HTTP/1.1\r\nHost: x\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += s.recv(1)
        self.assertTrue(response.startswith(b"HTTP/1.1 101"), response)
        # A masked ping with a 125-byte payload, over and over; never read.
        payload = b"p" * 125
        ping = bytes([0x89, 0x80 | 125]) + b"\0\0\0\0" + payload
        before = peak_rss_kib(self.gw)
        sent = await asyncio.to_thread(blast, s, ping * 500, 200 << 20)
        growth = peak_rss_kib(self.gw) - before
        self.assertLess(growth, RSS_SLACK_KIB, f"peak RSS grew {growth} KiB after {sent} bytes")
        await self.assert_still_serving()
        # Stopped being read and heard from, it is closed (idle timeout, then
        # dropped when even the close frame cannot be sent).
        await asyncio.to_thread(self.gw.wait_for,
                                lambda: self.gw.metric("pubsub_connections") == 1,
                                "the pinging client to be closed")
        s.close()
        await self.assert_still_serving()


if __name__ == "__main__":
    unittest.main()
