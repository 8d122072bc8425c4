# SPDX-License-Identifier: BSD-3-Clause
"""The Python binding on the host, without the vboard.

Environment: AMPLINK_LIBRARY, the shared libamplink of the build tree;
AMPLINK_FAKE_HUB, tests/tools/fake_hub (a stand-in for the firmware's
messaging hub on a pseudo-terminal: services "echo" and "ticker"), which the
tests that need a peer talk to over the tty transport. The binding is the
one of the source tree next to this file.
"""

import asyncio
import ctypes.util
import errno
import os
import queue
import selectors
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import amplink  # noqa: E402

LIB = os.environ.get("AMPLINK_LIBRARY")
HUB = os.environ.get("AMPLINK_FAKE_HUB")


def pattern(n, seed=0):
    return bytes((i * 131 + seed * 7 + (i >> 12)) & 0xFF for i in range(n))


def run_python(code, env):
    """code in a fresh interpreter (nothing loaded yet), with env; its result."""
    full = {k: v for k, v in os.environ.items() if k not in ("AMPLINK_LIBRARY", "LD_LIBRARY_PATH")}
    full.update(env)
    full["PYTHONPATH"] = os.path.dirname(HERE)
    full["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-c", code], env=full, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)


class LibraryLoading(unittest.TestCase):
    def test_import_needs_no_library(self):
        r = run_python("import amplink; print(amplink.TRANSPORTS)", {})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("('netlink', 'tty', 'char', 'shm')", r.stdout)

    def test_explicit_path_missing(self):
        with self.assertRaises(amplink.LibraryError) as cm:
            amplink.load_library("/nonexistent/libamplink.so.0")
        e = cm.exception
        self.assertIsInstance(e, OSError)
        self.assertEqual(e.errno, errno.ENOENT)
        self.assertEqual(e.filename, "/nonexistent/libamplink.so.0")
        self.assertIn("explicit path", str(e))

    def test_env_var_missing(self):
        r = run_python(
            "import amplink\n"
            "try:\n"
            "    amplink.Client('echo')\n"
            "except amplink.LibraryError as e:\n"
            "    print('LibraryError', e.errno, e)\n",
            {"AMPLINK_LIBRARY": "/nonexistent/libamplink.so"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("LibraryError %d" % errno.ENOENT, r.stdout)
        self.assertIn("AMPLINK_LIBRARY=/nonexistent/libamplink.so", r.stdout)

    def test_not_found_anywhere(self):
        if ctypes.util.find_library("amplink"):
            self.skipTest("a libamplink is installed on this machine")
        r = run_python(
            "import amplink\n"
            "try:\n"
            "    amplink.crc32(b'')\n"
            "except amplink.LibraryError as e:\n"
            "    print('LibraryError', e.errno, e)\n", {})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("LibraryError %d" % errno.ENOENT, r.stdout)
        self.assertIn("libamplink not found", r.stdout)
        self.assertIn("set AMPLINK_LIBRARY", r.stdout)

    def test_not_libamplink(self):
        libz = ctypes.util.find_library("z")
        if not libz:
            self.skipTest("no libz to load")
        with self.assertRaises(amplink.LibraryError) as cm:
            amplink.load_library(libz)
        self.assertEqual(cm.exception.errno, errno.ENOEXEC)
        self.assertIn("not libamplink", str(cm.exception))

    @unittest.skipUnless(LIB, "AMPLINK_LIBRARY not set")
    def test_env_var_and_explicit_path(self):
        lib = amplink.load_library()
        self.assertIs(amplink.load_library(LIB), lib)
        self.assertEqual(amplink.crc32(b"123456789"), 0xCBF43926)
        self.assertEqual(amplink.crc32(b"6789", amplink.crc32(bytearray(b"12345"))), 0xCBF43926)


class Arguments(unittest.TestCase):
    """Refused before anything reaches the library."""

    def test_client_arguments(self):
        bad = [
            ((42,), {}, TypeError),
            (("",), {}, ValueError),
            (("x" * 32,), {}, ValueError),
            (("a\0b",), {}, ValueError),
            (("echo",), {"transport": "usb"}, ValueError),
            (("echo",), {"transport": 1}, ValueError),
            (("echo",), {"timeout": -1}, ValueError),
            (("echo",), {"timeout": 0}, ValueError),
            (("echo",), {"timeout": None}, ValueError),
            (("echo",), {"timeout": float("nan")}, ValueError),
            (("echo",), {"timeout": "1"}, TypeError),
            (("echo",), {"timeout": 1e10}, ValueError),
            (("echo",), {"window": -1}, ValueError),
            (("echo",), {"window": 2**32}, ValueError),
            (("echo",), {"window": 1.5}, TypeError),
            (("echo",), {"device": ""}, ValueError),
        ]
        for args, kwargs, exc in bad:
            with self.subTest(args=args, kwargs=kwargs):
                self.assertRaises(exc, amplink.Client, *args, **kwargs)
        self.assertRaises(ValueError, amplink.Channel, transport="usb")
        self.assertRaises(TypeError, amplink.crc32, "text")

    def test_timeout_conversion(self):
        ms = amplink._timeout_ms
        self.assertEqual(ms(None), -1)
        self.assertEqual(ms(float("inf")), -1)
        self.assertEqual(ms(0), 0)
        self.assertEqual(ms(0.0001), 1)  # rounds up: never "do not wait" by accident
        self.assertEqual(ms(1.5), 1500)
        self.assertEqual(ms(2), 2000)
        self.assertRaises(ValueError, ms, -0.5)
        self.assertRaises(TypeError, ms, True)


@unittest.skipUnless(LIB and HUB, "AMPLINK_LIBRARY and AMPLINK_FAKE_HUB needed")
class WithFakeHub(unittest.TestCase):
    """Client over the tty transport against the fake hub on a pty."""

    @classmethod
    def setUpClass(cls):
        cls.hub = subprocess.Popen([HUB], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   universal_newlines=True)
        cls.pty = cls.hub.stdout.readline().strip()
        if not cls.pty.startswith("/dev/"):
            raise RuntimeError("the fake hub did not start: %r" % cls.pty)
        # what it logs, read as it comes: a full pipe would stop the hub
        cls.log = queue.Queue()
        cls.reader = threading.Thread(target=lambda: [cls.log.put(line) for line in cls.hub.stdout])
        cls.reader.start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stdin.close()
        cls.hub.wait(10)
        cls.reader.join()
        cls.hub.stdout.close()

    def hub_saw(self, data):
        """The hub logs each message it receives in hex, one line each."""
        line = self.log.get(timeout=10).rstrip("\n")
        self.assertEqual(line, " ".join("%02x" % b for b in data))

    def client(self, service="echo", **kw):
        return amplink.Client(service, transport="tty", device=self.pty, timeout=5, **kw)

    def test_messages_byte_exact(self):
        with self.client() as c:
            self.assertEqual(c.transport, "tty")
            self.assertEqual(c.service, "echo")
            self.assertEqual(c.max_message, 1 << 20)
            self.assertIn("'echo' over tty, fd=", repr(c))
            for i, n in enumerate((0, 1, 476, 477, 496, 497, 4096, 20000)):
                data = pattern(n, i)
                c.send(data)
                self.hub_saw(data)
                self.assertEqual(c.recv(), data, "%d bytes" % n)
            # any bytes-like object in, bytes out
            for data in (bytearray(b"ba"), memoryview(b"xmvx")[1:3], b"\0\xff"):
                self.assertEqual(c.call(data), bytes(data))
                self.hub_saw(bytes(data))
            self.assertIsInstance(c.call(b"t"), bytes)
            self.hub_saw(b"t")
            # a reply larger than the buffer recv and call keep
            big = pattern(100000, 9)
            self.assertEqual(c.call(big, timeout=10), big)
            self.hub_saw(big)
            self.assertRaises(TypeError, c.send, "text")

    def test_recv_into_and_pending_size(self):
        with self.client() as c:
            c.send(b"0123456789")
            self.hub_saw(b"0123456789")
            small = bytearray(4)
            with self.assertRaises(OSError) as cm:
                c.recv_into(small)
            self.assertEqual(cm.exception.errno, errno.EMSGSIZE)
            self.assertEqual(c.pending_size, 10)
            buf = bytearray(16)
            self.assertEqual(c.recv_into(buf), 10)
            self.assertEqual(bytes(buf[:10]), b"0123456789")
            self.assertEqual(c.pending_size, 0)
            self.assertRaises(TypeError, c.recv_into, b"read-only")
            with self.assertRaises(OSError) as cm:
                c.send(bytes(c.max_message + 1))
            self.assertEqual(cm.exception.errno, errno.EMSGSIZE)
            with self.assertRaises(OSError) as cm:
                c.call(bytes(c.max_message + 1))
            self.assertEqual(cm.exception.errno, errno.EMSGSIZE)

    def test_timeouts(self):
        with self.client() as c:
            with self.assertRaises(BlockingIOError) as cm:
                c.recv(timeout=0)
            self.assertEqual(cm.exception.errno, errno.EAGAIN)
            self.assertEqual(cm.exception.filename, "echo")
            self.assertIsNone(c.recv_nowait())
            t0 = time.monotonic()
            with self.assertRaises(TimeoutError) as cm:
                c.recv(timeout=0.3)
            took = time.monotonic() - t0
            self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
            self.assertGreaterEqual(took, 0.29)
            self.assertLess(took, 3)
        # the client's own timeout is the default of its calls
        c = amplink.Client("echo", transport="tty", device=self.pty, timeout=0.2)
        self.assertEqual(c.timeout, 0.2)
        t0 = time.monotonic()
        self.assertRaises(TimeoutError, c.recv)
        self.assertLess(time.monotonic() - t0, 3)
        c.close()

    def test_fileno_with_selectors(self):
        with self.client() as c, selectors.DefaultSelector() as sel:
            sel.register(c, selectors.EVENT_READ)  # by fileno()
            self.assertEqual(sel.select(0), [])
            c.send(b"ping")
            self.hub_saw(b"ping")
            got = None
            deadline = time.monotonic() + 10
            while got is None and time.monotonic() < deadline:
                if sel.select(deadline - time.monotonic()):
                    got = c.recv_nowait()
            self.assertEqual(got, b"ping")
            self.assertIsNone(c.recv_nowait())
            sel.unregister(c)

    def test_unknown_service(self):
        with self.assertRaises(FileNotFoundError) as cm:
            self.client("no-such-service")
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertEqual(cm.exception.filename, "no-such-service")

    def test_missing_device(self):
        with self.assertRaises(OSError) as cm:
            amplink.Client("echo", transport="tty", device="/nonexistent/tty")
        self.assertIn(cm.exception.errno, (errno.ENOENT, errno.ENODEV))

    def test_close(self):
        c = self.client()
        self.assertFalse(c.closed)
        c.close()
        c.close()  # idempotent
        self.assertTrue(c.closed)
        self.assertIn("closed", repr(c))
        for call in (lambda: c.send(b"x"), c.recv, lambda: c.recv_into(bytearray(1)),
                     lambda: c.call(b"x"), c.fileno, lambda: c.pending_size,
                     lambda: c.max_message):
            self.assertRaises(ValueError, call)
        self.assertRaises(ValueError, asyncio.run, c.recv_async())
        with self.client() as c2:
            pass
        self.assertTrue(c2.closed)
        # the next client is served: the CLOSE went
        with self.client() as c3:
            self.assertEqual(c3.call(b"again"), b"again")
            self.hub_saw(b"again")

    def test_asyncio(self):
        async def main():
            with self.client("ticker") as c:
                ticks = [await c.recv_async() for _ in range(3)]
                t0 = time.monotonic()
                with self.assertRaises(TimeoutError) as cm:
                    await c.recv_async(timeout=0.3)
                self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
                self.assertGreaterEqual(time.monotonic() - t0, 0.29)
                with self.assertRaises(BlockingIOError):
                    await c.recv_async(timeout=0)
                return ticks

        self.assertEqual(asyncio.run(main()), [b"tick 1", b"tick 2", b"tick 3"])

        async def echo_while_waiting():
            with self.client() as c:
                waiter = asyncio.ensure_future(c.recv_async(timeout=10))
                await asyncio.sleep(0)  # the waiter is registered with the loop
                self.assertFalse(waiter.done())
                c.send(b"async")
                return await waiter

        self.assertEqual(asyncio.run(echo_while_waiting()), b"async")
        self.hub_saw(b"async")


@unittest.skipUnless(LIB and HUB, "AMPLINK_LIBRARY and AMPLINK_FAKE_HUB needed")
class RemoteGone(unittest.TestCase):
    def test_async_for_ends_when_the_hub_goes(self):
        """async for yields the messages, then ends once the channel is gone
        (the hub exits: the pty hangs up, ENODEV); later calls raise ENODEV."""
        hub = subprocess.Popen([HUB], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               universal_newlines=True)
        try:
            pty = hub.stdout.readline().strip()
            c = amplink.Client("ticker", transport="tty", device=pty, timeout=5)

            async def main():
                got = []
                async for msg in c:
                    got.append(msg)
                    if len(got) == 3:
                        hub.stdin.close()  # the hub exits, closing the pty's master
                return got

            self.assertEqual(asyncio.run(asyncio.wait_for(main(), 10)),
                             [b"tick 1", b"tick 2", b"tick 3"])
            with self.assertRaises(OSError) as cm:
                c.send(b"x")
            self.assertEqual(cm.exception.errno, errno.ENODEV)
            c.close()
        finally:
            if not hub.stdin.closed:
                hub.stdin.close()
            hub.wait(10)
            hub.stdout.close()

if __name__ == "__main__":
    unittest.main(verbosity=2)
