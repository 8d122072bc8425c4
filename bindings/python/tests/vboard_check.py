# SPDX-License-Identifier: BSD-3-Clause
"""The Python binding end to end, inside the vboard (tests/vboard/CMakeLists.txt).

Runs as root against the firmware started with --test-services, with
rpmsg_netlink.ko loaded, the shared libamplink of the build tree named by
AMPLINK_LIBRARY and the binding of the source tree next to this file:

    vboard_check.py TRANSPORT...

For each transport: the firmware's "test-echo" service gives back messages
of 0, 1, 476, 477, 496, 497 bytes, 64 KiB and 1 MiB byte-exact (send+recv
and call); fileno() with select() says when a reply is there; recv() with
timeout 0 and 0.3 s fails with BlockingIOError and TimeoutError in time;
recv_async() under asyncio; an unknown service is FileNotFoundError (ENOENT);
close() twice, then a new client is served. Then the bench channel (echo,
a verified block, the firmware's counters) and, on netlink, the module's
channel list. Prints one line per check and "python-vboard-ok" when all
passed; exits 1 otherwise.
"""

import asyncio
import errno
import os
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import amplink  # noqa: E402

SERVICE = "test-echo"  # firmware/ports/vhost-user/test_services.h
SIZES = (0, 1, 476, 477, 496, 497, 64 * 1024, 1024 * 1024)
failed = 0


def check(ok, what):
    global failed
    print("%-4s %s" % ("ok" if ok else "FAIL", what), flush=True)
    if not ok:
        failed += 1


def pattern(n, seed):
    # every byte depends on its position and the message: a shifted or mixed-up reply shows
    return bytes((i * 131 + seed * 7 + (i >> 12)) & 0xFF for i in range(n))


def expect_error(exc, err, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        return e.errno == err, "%s(%s)" % (type(e).__name__, errno.errorcode.get(e.errno))
    except Exception as e:  # noqa: BLE001 - reported as the failure
        return False, "%s: %s" % (type(e).__name__, e)
    return False, "no error"


def wait_with_select(c, deadline):
    """The next message, waiting only in select() on c.fileno()."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([c], [], [], left)
        if r:
            msg = c.recv_nowait()  # None: only part of one, or control frames
            if msg is not None:
                return msg


def check_transport(t):
    try:
        c = amplink.Client(SERVICE, transport=t, timeout=10)
    except OSError as e:
        check(False, "%s: open %s: %s" % (t, SERVICE, e))
        return
    with c:
        check(c.max_message >= SIZES[-1], "%s: max_message %d" % (t, c.max_message))
        for i, n in enumerate(SIZES):
            data = pattern(n, i)
            t0 = time.monotonic()
            try:
                if i % 2:
                    back = c.call(data, timeout=60)
                    how = "call"
                else:
                    c.send(data, timeout=60)
                    back = c.recv(timeout=60)
                    how = "send+recv"
                check(back == data, "%s: %d bytes, %s, byte-exact (%.0f ms)"
                      % (t, n, how, (time.monotonic() - t0) * 1000))
            except OSError as e:
                check(False, "%s: %d bytes: %s" % (t, n, e))

        # select() on fileno(): the descriptor says when the reply is there
        data = pattern(3000, 99)
        c.send(data)
        back = wait_with_select(c, time.monotonic() + 10)
        check(back == data, "%s: select() on fileno() %d, then recv(timeout=0)"
              % (t, c.fileno()))

        ok, how = expect_error(BlockingIOError, errno.EAGAIN, c.recv, timeout=0)
        check(ok, "%s: recv(timeout=0) with nothing to read: %s" % (t, how))
        t0 = time.monotonic()
        ok, how = expect_error(TimeoutError, errno.ETIMEDOUT, c.recv, timeout=0.3)
        took = time.monotonic() - t0
        check(ok and 0.29 <= took < 3, "%s: recv(timeout=0.3): %s after %.2f s" % (t, how, took))

        async def echo_async():
            waiter = asyncio.ensure_future(c.recv_async(timeout=10))
            await asyncio.sleep(0)  # registered with the loop before the reply can come
            c.send(b"async " + t.encode())
            return await waiter

        try:
            back = asyncio.run(echo_async())
        except OSError as e:
            back = e
        check(back == b"async " + t.encode(), "%s: recv_async(): %r" % (t, back))
    c.close()
    check(c.closed, "%s: close() twice" % t)

    ok, how = expect_error(FileNotFoundError, errno.ENOENT, amplink.Client, "no-such-service",
                           transport=t, timeout=5)
    check(ok, "%s: unknown service: %s" % (t, how))

    with amplink.Client(SERVICE, transport=t, timeout=10) as c:
        check(c.call(b"again") == b"again", "%s: a new client is served" % t)


def check_bench(t):
    try:
        with amplink.Channel(transport=t, timeout=10) as ch:
            check(ch.echo(b"echo me") == b"echo me", "%s: Channel.echo on %s" % (t, ch.device))
            tr = ch.send_block(pattern(4096, 1))
            check(tr.bytes == 4096 and tr.acked_bytes == 4096
                  and tr.acked_crc == amplink.crc32(pattern(4096, 1)),
                  "%s: Channel.send_block verified: %s" % (t, tr))
            st = ch.firmware_stats()
            check(st.rx_msgs > 0 and st.tx_msgs > 0, "%s: firmware_stats: %s" % (t, st))
    except OSError as e:
        check(False, "%s: bench channel: %s" % (t, e))
    try:
        with amplink.Channel(transport=t, timeout=10, source=True) as ch:
            block = ch.fetch_block(70000)
            check(len(block) == 70000, "%s: Channel.fetch_block: %d bytes" % (t, len(block)))
            ok, how = expect_error(OSError, errno.EINVAL, ch.send_block, b"x")
            check(ok, "%s: send_block on a source channel: %s" % (t, how))
    except OSError as e:
        check(False, "%s: source channel: %s" % (t, e))


def main(argv):
    if len(argv) < 2 or any(t not in amplink.TRANSPORTS for t in argv[1:]):
        print("usage: vboard_check.py TRANSPORT... (netlink, tty, char)", file=sys.stderr)
        return 2
    print("libamplink: %s, Python %s" % (os.environ.get("AMPLINK_LIBRARY", "(searched)"),
                                          sys.version.split()[0]), flush=True)
    for t in argv[1:]:
        check_transport(t)
        check_bench(t)
        if t == "netlink":
            chans = amplink.channels()
            check(any(ch.name == "rpmsg-netlink" for ch in chans),
                  "netlink: channels(): %s" % ", ".join("%d:%s" % (ch.id, ch.name)
                                                        for ch in chans))
    print("%d failed" % failed)
    if failed:
        return 1
    print("python-vboard-ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
