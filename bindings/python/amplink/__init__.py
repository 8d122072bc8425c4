# SPDX-License-Identifier: BSD-3-Clause
"""Python access to libamplink: clients of a firmware's services.

A thin ctypes layer over the shared libamplink (libamplink.so.0), the same
calls as the C API of include/amplink/amplink.h::

    import amplink

    with amplink.Client("test-echo", transport="tty", timeout=1.0) as c:
        c.send(b"hello")
        print(c.recv())                  # b'hello'
        print(c.call(b"again"))          # send, then the next message

Conventions:

* Messages are bytes: send()/call() take any bytes-like object, recv() and
  call() return bytes (recv_into() fills a buffer of yours).
* Timeouts are in seconds (int or float), as in the socket module. Every
  call that waits takes ``timeout``: None waits without bound, 0 never waits
  (BlockingIOError, EAGAIN, when it would have to), > 0 bounds the call
  (TimeoutError, ETIMEDOUT). Not given: the client's own timeout, the one
  given to the constructor (default 2 s), which also bounds opening.
  Fractions of a millisecond round up.
* Errors of the library are OSError, of the subclass Python gives the errno
  (TimeoutError for ETIMEDOUT, ConnectionResetError for ECONNRESET,
  FileNotFoundError for ENOENT "no such service", PermissionError for EPERM,
  BlockingIOError for EAGAIN, ...), with .errno set, and the service or
  device as .filename. Bad arguments raise TypeError or ValueError before
  anything reaches the library; a closed Client or Channel raises ValueError.
* The library is loaded when first needed: see load_library().
* A Client is for one thread at a time (as in C). The library's calls run
  without the GIL.
"""

import asyncio
import collections
import ctypes
import errno as _errno
import math
import os

from ._native import (BULK_NEVER, BULK_THRESHOLD, DEFAULT_TIMEOUT_MS, ECHO_MAX_LEN, ENV_VAR,
                      MSG_MAX, SERVICE_NAME_MAX,
                      SONAME, TRANSPORTS, BINDINGS_CB, CHANNELS_CB, ClientOptions, LibraryError,
                      OpenOptions, Stats as _CStats, Transfer as _CTransfer, load_library,
                      raise_errno)

__all__ = [
    "Client", "Channel", "LibraryError", "load_library", "channels", "bindings", "crc32",
    "Transfer", "FirmwareStats", "NetlinkChannel", "NETLINK", "TTY", "CHAR", "SHM", "TRANSPORTS",
    "BULK_THRESHOLD", "BULK_NEVER",
    "MSG_MAX", "SERVICE_NAME_MAX", "ECHO_MAX_LEN", "DEFAULT_TIMEOUT", "ENV_VAR", "SONAME",
]
__version__ = "0.1.0"

NETLINK, TTY, CHAR, SHM = TRANSPORTS
DEFAULT_TIMEOUT = DEFAULT_TIMEOUT_MS / 1000.0

_INT_MAX = 2**31 - 1
_UINT32_MAX = 2**32 - 1
_KEEP_BUF = 64 * 1024  # a Client keeps a receive buffer this large; larger messages get their own
_DEFAULT = object()    # "the client's own timeout"

Transfer = collections.namedtuple("Transfer", [f[0] for f in _CTransfer._fields_])
Transfer.__doc__ = "What one verified block cost and what the firmware acknowledged."
FirmwareStats = collections.namedtuple("FirmwareStats", [f[0] for f in _CStats._fields_])
FirmwareStats.__doc__ = "The firmware's counters (struct amp_stats)."
NetlinkChannel = collections.namedtuple(
    "NetlinkChannel", ["id", "name", "src", "dst", "mtu", "tx_bytes", "tx_msgs", "rx_bytes",
                       "rx_msgs", "tx_errors", "rx_drops", "clients", "tx_refused"])
NetlinkChannel.__doc__ = "A channel of the rpmsg_netlink module and its counters."


def _timeout_ms(timeout, allow_none=True):
    """Seconds (None: without bound) -> the C library's milliseconds (-1: without bound)."""
    if timeout is None:
        if not allow_none:
            raise ValueError("timeout: opening needs a bound (seconds > 0)")
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a number of seconds or None, not %s"
                        % type(timeout).__name__)
    if math.isnan(timeout) or timeout < 0:
        raise ValueError("timeout must be >= 0 seconds (None: without bound), not %r" % timeout)
    if math.isinf(timeout):
        return -1
    ms = math.ceil(timeout * 1000)
    if ms > _INT_MAX:
        raise ValueError("timeout too large: %r s (at most %d s; None: without bound)"
                         % (timeout, _INT_MAX // 1000))
    return ms


def _transport_index(transport):
    if transport in TRANSPORTS:
        return TRANSPORTS.index(transport)
    raise ValueError("transport must be one of %s, not %r" % (", ".join(TRANSPORTS), transport))


def _device_bytes(device):
    if device is None:
        return None
    if isinstance(device, int) and not isinstance(device, bool):
        device = str(device)  # a netlink channel id
    device = os.fsencode(device)
    if b"\0" in device or not device:
        raise ValueError("device must be a non-empty path or channel name without NUL bytes")
    return device


def _in_buffer(data):
    """A bytes-like object -> (something ctypes passes as const void *, its length)."""
    if isinstance(data, bytes):
        return data, len(data)
    try:
        mv = memoryview(data)
    except TypeError:
        raise TypeError("a bytes-like object is required, not %s"
                        % type(data).__name__) from None
    if mv.readonly or not mv.c_contiguous:
        b = mv.tobytes()
        return b, len(b)
    mv = mv.cast("B")
    return (ctypes.c_char * mv.nbytes).from_buffer(mv), mv.nbytes


def _out_buffer(buffer):
    """A writable bytes-like object -> (ctypes array over it, its length)."""
    try:
        mv = memoryview(buffer)
    except TypeError:
        raise TypeError("a writable bytes-like object is required, not %s"
                        % type(buffer).__name__) from None
    if mv.readonly or not mv.c_contiguous:
        raise TypeError("a writable, contiguous bytes-like object is required")
    mv = mv.cast("B")
    return (ctypes.c_char * mv.nbytes).from_buffer(mv), mv.nbytes


class _Handle:
    """What Client and Channel share: a context manager that closes, also when collected."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing may escape a finalizer
            pass


class Client(_Handle):
    """One connection to one named service of the firmware (amp_client_open).

    service: its name, str or bytes, 1..31 bytes.
    transport: "netlink" (the rpmsg_netlink module, the default), "tty"
      (/dev/ttyRPMSG0), "char" (the rpmsg_char device of "rpmsg-raw") or
      "shm" (netlink, every message by reference through the module's pool).
    device: another channel than the default: a netlink channel id or name,
      a tty path, a /dev/rpmsgN path.
    timeout: seconds (> 0) that opening may take, and the default of every
      call below (default 2 s).
    window: rpmsg messages the firmware may send ahead; 0 (default): what
      the receive side holds (the library clamps larger values to that).
    bulk_threshold: netlink: messages of this many bytes or more go by
      reference through the module's pool when there is one; 0 (default):
      BULK_THRESHOLD (4096); BULK_NEVER: never, both ways.
    library: path of libamplink.so to use instead of the one load_library()
      finds.

    Raises OSError: FileNotFoundError (ENOENT: no such service),
    ConnectionRefusedError (the service said no), OSError EBUSY (no free
    connection), ENODEV (no channel: module not loaded, device missing),
    TimeoutError, PermissionError; LibraryError when libamplink is missing.
    """

    def __init__(self, service, transport=NETLINK, device=None, timeout=DEFAULT_TIMEOUT,
                 window=0, library=None, bulk_threshold=0):
        self._c = None
        if isinstance(service, str):
            name = service.encode("utf-8")
        elif isinstance(service, bytes):
            name = service
        else:
            raise TypeError("service must be str or bytes, not %s" % type(service).__name__)
        if not 1 <= len(name) <= SERVICE_NAME_MAX or b"\0" in name:
            raise ValueError("service name must be 1..%d bytes without NUL, not %r"
                             % (SERVICE_NAME_MAX, service))
        t = _transport_index(transport)
        dev = _device_bytes(device)
        ms = _timeout_ms(timeout, allow_none=False)
        if ms == 0 or ms == -1:
            raise ValueError("timeout: opening needs a bound (seconds > 0), not %r" % timeout)
        if isinstance(window, bool) or not isinstance(window, int):
            raise TypeError("window must be an int")
        if not 0 <= window <= _UINT32_MAX:
            raise ValueError("window must be 0..%d, not %r" % (_UINT32_MAX, window))
        if isinstance(bulk_threshold, bool) or not isinstance(bulk_threshold, int):
            raise TypeError("bulk_threshold must be an int")
        if not 0 <= bulk_threshold <= _UINT32_MAX:
            raise ValueError("bulk_threshold must be 0..%d, not %r"
                             % (_UINT32_MAX, bulk_threshold))
        self._lib = load_library(library)
        self.service = name.decode("utf-8", "replace")
        self.transport = TRANSPORTS[t]
        self.timeout = ms / 1000.0
        self._timeout_ms = ms
        self._buf = None
        opts = ClientOptions(transport=t, device=dev, timeout_ms=ms, window=window,
                             bulk_threshold=bulk_threshold)
        c = self._lib.amp_client_open(name, ctypes.byref(opts))
        if not c:
            raise_errno(self.service)
        self._c = c

    # --- lifetime --------------------------------------------------------

    def close(self):
        """Sends CLOSE (best effort, at most 100 ms) and frees the connection.
        Closing again does nothing."""
        c, self._c = self._c, None
        if c:
            self._lib.amp_client_close(c)

    @property
    def closed(self):
        return self._c is None

    def __repr__(self):
        state = "closed" if self.closed else "fd=%d" % self.fileno()
        return "<amplink.Client %r over %s, %s>" % (self.service, self.transport, state)

    def _handle(self):
        if self._c is None:
            raise ValueError("operation on a closed amplink.Client")
        return self._c

    def _ms(self, timeout):
        return self._timeout_ms if timeout is _DEFAULT else _timeout_ms(timeout)

    # --- the calls -------------------------------------------------------

    def send(self, data, timeout=_DEFAULT):
        """Sends data (bytes-like, 0..max_message bytes) as one whole message.

        Returns None. OSError EMSGSIZE (too large), BlockingIOError (timeout
        0: the credit held does not cover the message; nothing was sent),
        TimeoutError (the credit did not come in time: the message is not
        delivered), ConnectionResetError / ENODEV (the remote went away).
        """
        c = self._handle()
        buf, n = _in_buffer(data)
        ms = self._ms(timeout)
        if self._lib.amp_client_send(c, buf, n, ms) != 0:
            raise_errno(self.service)

    def _recv_big(self, c):
        """The message at the head of the queue, which did not fit our buffer."""
        size = self._lib.amp_client_pending_size(c)
        buf = ctypes.create_string_buffer(max(size, 1))
        n = self._lib.amp_client_recv(c, buf, size, 0)
        if n < 0:
            raise_errno(self.service)
        return ctypes.string_at(buf, n)

    def _own_buf(self):
        if self._buf is None:
            self._buf = ctypes.create_string_buffer(_KEEP_BUF)
        return self._buf

    def recv(self, timeout=_DEFAULT):
        """Returns the next whole message as bytes (b"" is a message).

        BlockingIOError (timeout 0) / TimeoutError: no whole message yet.
        OSError EBADMSG: a message failed its CRC-32 and was dropped (the
        connection stays usable). ConnectionResetError / ENODEV once the
        remote went away (after the messages that had arrived whole).
        """
        c = self._handle()
        ms = self._ms(timeout)
        buf = self._own_buf()
        n = self._lib.amp_client_recv(c, buf, _KEEP_BUF, ms)
        if n >= 0:
            return ctypes.string_at(buf, n)
        err = ctypes.get_errno()
        if err == _errno.EMSGSIZE:
            return self._recv_big(c)
        raise_errno(self.service, err)

    def recv_into(self, buffer, timeout=_DEFAULT):
        """Receives the next message into buffer (writable bytes-like); returns its length.

        OSError EMSGSIZE when it does not fit: the message stays queued and
        pending_size tells its size. Otherwise as recv().
        """
        c = self._handle()
        ms = self._ms(timeout)
        buf, cap = _out_buffer(buffer)
        n = self._lib.amp_client_recv(c, buf, cap, ms)
        if n < 0:
            raise_errno(self.service)
        return n

    def call(self, data, timeout=_DEFAULT):
        """Sends data, then returns the next message (the reply) as bytes,
        the whole bounded by timeout. Messages received before and not yet
        read come first. Errors as send() and recv()."""
        c = self._handle()
        req, n = _in_buffer(data)
        ms = self._ms(timeout)
        if n > self._lib.amp_client_max_message(c):  # so that EMSGSIZE below is the reply's
            raise OSError(_errno.EMSGSIZE, os.strerror(_errno.EMSGSIZE), self.service)
        buf = self._own_buf()
        r = self._lib.amp_client_call(c, req, n, buf, _KEEP_BUF, ms)
        if r >= 0:
            return ctypes.string_at(buf, r)
        err = ctypes.get_errno()
        if err == _errno.EMSGSIZE and self._lib.amp_client_pending_size(c):
            return self._recv_big(c)  # the request went; the reply waits, larger
        raise_errno(self.service, err)

    @property
    def pending_size(self):
        """Size of the message at the head of the queue that recv_into()
        refused with EMSGSIZE, or 0."""
        return self._lib.amp_client_pending_size(self._handle())

    @property
    def max_message(self):
        """Largest message the service takes, in bytes."""
        return self._lib.amp_client_max_message(self._handle())

    @property
    def lost(self):
        """Messages this client sent that the firmware reported lost (the
        send after such a report raises OSError with errno EIO, once)."""
        return self._lib.amp_client_lost(self._handle())

    def fileno(self):
        """A descriptor for select/poll/selectors/asyncio: readable when
        something arrived, when a message is queued, or once the remote went
        away. Then recv(timeout=0) returns a message, or raises
        BlockingIOError if only part of one or only control frames arrived
        (call it until it does), or the error. Owned by the client: do not
        read or close it."""
        return self._lib.amp_client_fd(self._handle())

    def recv_nowait(self):
        """recv(timeout=0), but None instead of BlockingIOError."""
        try:
            return self.recv(0)
        except BlockingIOError:
            return None

    # --- asyncio ---------------------------------------------------------

    async def recv_async(self, timeout=_DEFAULT):
        """recv() for asyncio: waits on fileno() with loop.add_reader, never
        blocking the loop. timeout as recv() (TimeoutError, ETIMEDOUT, when
        it runs out). One waiter at a time per client (add_reader keeps one
        callback per descriptor)."""
        ms = self._ms(timeout)
        loop = asyncio.get_running_loop()
        deadline = None if ms < 0 else loop.time() + ms / 1000.0
        while True:
            msg = self.recv_nowait()
            if msg is not None:
                return msg
            if ms == 0:
                raise OSError(_errno.EAGAIN, os.strerror(_errno.EAGAIN), self.service)
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise OSError(_errno.ETIMEDOUT, os.strerror(_errno.ETIMEDOUT), self.service)
            fd = self.fileno()
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, remaining)
            except asyncio.TimeoutError:
                pass  # one last look, then ETIMEDOUT above
            finally:
                loop.remove_reader(fd)

    def __aiter__(self):
        return self

    async def __anext__(self):
        """async for msg in client: each message, waiting without bound; the
        iteration ends (StopAsyncIteration) when the remote closed the
        connection (ECONNRESET) or the channel went away (ENODEV)."""
        try:
            return await self.recv_async(None)
        except ConnectionResetError:
            raise StopAsyncIteration from None
        except OSError as e:
            if e.errno == _errno.ENODEV:
                raise StopAsyncIteration from None
            raise


class Channel(_Handle):
    """A channel to the firmware's bench service (amp_channel_open): blocks
    sent with their delivery verified, echo round trips, firmware counters.
    With source=True, a channel to its bench source instead
    (amp_channel_open_source): blocks fetched from the firmware, every byte
    checked (fetch_block).

    transport, device, library as for Client; timeout: seconds (> 0) that
    bounds every wait of the channel (default 2 s).
    """

    def __init__(self, transport=NETLINK, device=None, timeout=DEFAULT_TIMEOUT, library=None,
                 source=False):
        self._ch = None
        t = _transport_index(transport)
        dev = _device_bytes(device)
        ms = _timeout_ms(timeout, allow_none=False)
        if ms <= 0:
            raise ValueError("timeout must be a bound (seconds > 0), not %r" % timeout)
        self._lib = load_library(library)
        opts = OpenOptions(transport=t, device=dev, timeout_ms=ms)
        opener = self._lib.amp_channel_open_source if source else self._lib.amp_channel_open
        ch = opener(ctypes.byref(opts))
        if not ch:
            raise_errno(device)
        self._ch = ch
        self.source = bool(source)
        self.transport = TRANSPORTS[t]
        self.device = os.fsdecode(self._lib.amp_channel_device(ch))

    def close(self):
        """Closes the channel; closing again does nothing."""
        ch, self._ch = self._ch, None
        if ch:
            self._lib.amp_channel_close(ch)

    @property
    def closed(self):
        return self._ch is None

    def __repr__(self):
        return "<amplink.Channel %s %s%s>" % (self.transport, getattr(self, "device", "?"),
                                              ", closed" if self.closed else "")

    def _handle(self):
        if self._ch is None:
            raise ValueError("operation on a closed amplink.Channel")
        return self._ch

    def fetch_block(self, size):
        """On a source channel: asks the firmware for a block of size bytes
        and returns it (bytes) once it came whole, its frames' CRCs and every
        byte of the pattern checked. OSError EIO when it did not (its
        .transfer says how), EINVAL on a channel to the bench service,
        TimeoutError, EMSGSIZE, ..."""
        ch = self._handle()
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("size must be a number of bytes >= 0, not %r" % (size,))
        if size > MSG_MAX:
            raise ValueError("size must be at most %d bytes, not %d" % (MSG_MAX, size))
        buf = ctypes.create_string_buffer(max(size, 1))
        t = _CTransfer()
        if self._lib.amp_channel_fetch_block(ch, buf, size, ctypes.byref(t)) != 0:
            try:
                raise_errno(self.device)
            except OSError as e:
                e.transfer = Transfer(*(getattr(t, f) for f in Transfer._fields))
                raise
        return buf.raw[:size]

    def send_block(self, data):
        """Sends data as one message to the bench service and returns a
        Transfer once the firmware acknowledged exactly those bytes with the
        same CRC-32. OSError EIO when the ack disagrees (its .transfer says
        how), EINVAL on a source channel, EPROTO, TimeoutError, EMSGSIZE,
        ..."""
        ch = self._handle()
        buf, n = _in_buffer(data)
        t = _CTransfer()
        if self._lib.amp_channel_send_block(ch, buf, n, ctypes.byref(t)) != 0:
            try:
                raise_errno(self.device)
            except OSError as e:
                e.transfer = Transfer(*(getattr(t, f) for f in Transfer._fields))
                raise
        return Transfer(*(getattr(t, f) for f in Transfer._fields))

    def echo(self, data):
        """Round trip of an ECHO frame (at most ECHO_MAX_LEN bytes); returns the reply."""
        ch = self._handle()
        buf, n = _in_buffer(data)
        if n > ECHO_MAX_LEN:
            raise ValueError("echo takes at most %d bytes, not %d" % (ECHO_MAX_LEN, n))
        reply = ctypes.create_string_buffer(max(n, 1))
        if self._lib.amp_channel_echo(ch, buf, n, reply) != 0:
            raise_errno(self.device)
        return reply.raw[:n]

    def firmware_stats(self):
        """The firmware's counters as of now (FirmwareStats)."""
        ch = self._handle()
        s = _CStats()
        if self._lib.amp_channel_firmware_stats(ch, ctypes.byref(s)) != 0:
            raise_errno(self.device)
        return FirmwareStats(*(getattr(s, f) for f in FirmwareStats._fields))


def channels(library=None):
    """The rpmsg_netlink module's channels, a list of NetlinkChannel.
    FileNotFoundError (ENOENT) when the module is not loaded."""
    lib = load_library(library)
    out = []

    def each(c, _ctx):
        c = c.contents
        out.append(NetlinkChannel(c.id, c.name.decode("utf-8", "replace"), c.src, c.dst, c.mtu,
                                  c.tx_bytes, c.tx_msgs, c.rx_bytes, c.rx_msgs, c.tx_errors,
                                  c.rx_drops, c.clients, c.tx_refused))

    if lib.amp_netlink_channels(CHANNELS_CB(each), None) != 0:
        raise_errno()
    return out


def bindings(library=None):
    """The service names bound to the rpmsg_netlink module: a list of
    (name, flags). FileNotFoundError when the module is not loaded."""
    lib = load_library(library)
    out = []

    def each(name, flags, _ctx):
        out.append((name.decode("utf-8", "replace"), flags))

    if lib.amp_netlink_bindings(BINDINGS_CB(each), None) != 0:
        raise_errno()
    return out


def crc32(data, crc=0, library=None):
    """CRC-32 (zlib/IEEE) as the firmware computes it; crc continues a previous one."""
    buf, n = _in_buffer(data)
    return load_library(library).amp_crc32(crc, buf, n)
