# SPDX-License-Identifier: BSD-3-Clause
"""Finding and loading the shared libamplink, and its C prototypes.

The library is looked for, in this order, and the first place that names
one is the only one tried (a wrong explicit path is an error, not a reason
to pick some other copy):

1. the path given to :func:`amplink.load_library` (or ``library=`` of
   :class:`amplink.Client` and :class:`amplink.Channel`);
2. the environment variable ``AMPLINK_LIBRARY``;
3. ``ctypes.util.find_library("amplink")`` (the ld.so cache);
4. ``libamplink.so.0`` through the dynamic loader's own search
   (``LD_LIBRARY_PATH``, the default directories).
"""

import ctypes
import ctypes.util
import errno as _errno
import os
import threading

SONAME = "libamplink.so.0"
ENV_VAR = "AMPLINK_LIBRARY"

# include/amplink/frame.h
MSG_MAX = 16 * 1024 * 1024
SERVICE_NAME_MAX = 31
ECHO_MAX_LEN = 476
FRAME_MAX_LEN = 256 * 1024 * 1024
DEFAULT_TIMEOUT_MS = 2000

TRANSPORTS = ("netlink", "tty", "char", "shm")  # enum amp_transport, in order
BULK_THRESHOLD = 4096  # AMP_BULK_THRESHOLD
BULK_NEVER = 0xFFFFFFFF  # AMP_BULK_NEVER


class LibraryError(OSError):
    """libamplink could not be found or loaded, or is not the one expected.

    An OSError with errno ENOENT (nothing found) or ENOEXEC (found, but not
    loadable or lacking a function this module needs)."""

    __module__ = "amplink"


class ClientOptions(ctypes.Structure):
    _fields_ = [
        ("transport", ctypes.c_int),
        ("device", ctypes.c_char_p),
        ("timeout_ms", ctypes.c_int),
        ("window", ctypes.c_uint32),
        ("bulk_threshold", ctypes.c_uint32),
    ]


class OpenOptions(ctypes.Structure):
    _fields_ = [
        ("transport", ctypes.c_int),
        ("device", ctypes.c_char_p),
        ("timeout_ms", ctypes.c_int),
    ]


class Transfer(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in
                ("seq", "bytes", "acked_bytes", "acked_crc", "status", "writes", "retries")]


class Stats(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in
                ("rx_msgs", "tx_msgs", "kicks_in", "irqs_out", "kicks_avoided", "frames_ok",
                 "frames_bad", "errors", "tx_waits", "rx_dropped", "peers_gone")]


class NetlinkChannel(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint32),
        ("name", ctypes.c_char * 64),
        ("src", ctypes.c_uint32),
        ("dst", ctypes.c_uint32),
        ("mtu", ctypes.c_uint32),
        ("tx_bytes", ctypes.c_uint64),
        ("tx_msgs", ctypes.c_uint64),
        ("rx_bytes", ctypes.c_uint64),
        ("rx_msgs", ctypes.c_uint64),
        ("tx_errors", ctypes.c_uint64),
        ("rx_drops", ctypes.c_uint64),
        ("clients", ctypes.c_uint32),
        ("tx_refused", ctypes.c_uint64),
    ]


CHANNELS_CB = ctypes.CFUNCTYPE(None, ctypes.POINTER(NetlinkChannel), ctypes.c_void_p)
BINDINGS_CB = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p)

_vp = ctypes.c_void_p
_int = ctypes.c_int
_size = ctypes.c_size_t
_ssize = ctypes.c_ssize_t

# name: (restype, argtypes)
_PROTOTYPES = {
    "amp_client_open": (_vp, [ctypes.c_char_p, ctypes.POINTER(ClientOptions)]),
    "amp_client_send": (_int, [_vp, _vp, _size, _int]),
    "amp_client_recv": (_ssize, [_vp, _vp, _size, _int]),
    "amp_client_pending_size": (_size, [_vp]),
    "amp_client_call": (_ssize, [_vp, _vp, _size, _vp, _size, _int]),
    "amp_client_fd": (_int, [_vp]),
    "amp_client_max_message": (ctypes.c_uint32, [_vp]),
    "amp_client_lost": (ctypes.c_uint32, [_vp]),
    "amp_client_close": (None, [_vp]),
    "amp_channel_open": (_vp, [ctypes.POINTER(OpenOptions)]),
    "amp_channel_open_source": (_vp, [ctypes.POINTER(OpenOptions)]),
    "amp_channel_fetch_block": (_int, [_vp, _vp, _size, ctypes.POINTER(Transfer)]),
    "amp_channel_close": (None, [_vp]),
    "amp_channel_device": (ctypes.c_char_p, [_vp]),
    "amp_channel_transport": (_int, [_vp]),
    "amp_channel_send_block": (_int, [_vp, _vp, _size, ctypes.POINTER(Transfer)]),
    "amp_channel_echo": (_int, [_vp, _vp, _size, _vp]),
    "amp_channel_firmware_stats": (_int, [_vp, ctypes.POINTER(Stats)]),
    "amp_netlink_channels": (_int, [CHANNELS_CB, _vp]),
    "amp_netlink_bindings": (_int, [BINDINGS_CB, _vp]),
    "amp_transport_name": (ctypes.c_char_p, [_int]),
    "amp_crc32": (ctypes.c_uint32, [ctypes.c_uint32, _vp, _size]),
}

_lock = threading.Lock()
_loaded = {}  # resolved path or name -> CDLL
_default = None


def _dlopen(name, how):
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as e:
        raise LibraryError(_errno.ENOEXEC if how != "default" else _errno.ENOENT,
                           "cannot load libamplink (%s): %s" % (how, e)) from None
    for fn, (restype, argtypes) in _PROTOTYPES.items():
        try:
            f = getattr(lib, fn)
        except AttributeError:
            raise LibraryError(_errno.ENOEXEC,
                               "%s (%s) has no %s(): not libamplink, or an older one"
                               % (name, how, fn)) from None
        f.restype = restype
        f.argtypes = argtypes
    return lib


def load_library(path=None):
    """Returns the loaded libamplink (a ctypes.CDLL), loading it once.

    path: a file name (absolute, or with a slash: as is; otherwise the
    dynamic loader's search). None: AMPLINK_LIBRARY, then find_library, then
    libamplink.so.0. Raises LibraryError (an OSError) saying what was tried.
    """
    global _default
    with _lock:
        if path is None and _default is not None:
            return _default
        if path is not None:
            name, how = os.fspath(path), "explicit path"
        elif os.environ.get(ENV_VAR):
            name, how = os.environ[ENV_VAR], ENV_VAR + "=" + os.environ[ENV_VAR]
        else:
            name, how = ctypes.util.find_library("amplink"), "ctypes.util.find_library"
            if name is None:
                name, how = SONAME, "default"
        if "/" in name and not os.path.exists(name):
            raise LibraryError(_errno.ENOENT,
                               "cannot load libamplink (%s): no such file" % how, name)
        key = os.path.realpath(name) if "/" in name else name
        lib = _loaded.get(key)
        if lib is None:
            try:
                lib = _dlopen(name, how)
            except LibraryError as e:
                if how == "default":
                    raise LibraryError(
                        _errno.ENOENT,
                        "libamplink not found: %s is not set, ctypes.util.find_library"
                        "('amplink') found nothing and %s did not load (%s). Install "
                        "libamplink, or set %s to the path of libamplink.so"
                        % (ENV_VAR, SONAME, e.strerror.split(": ", 1)[-1], ENV_VAR)) from None
                raise
            _loaded[key] = lib
        if path is None:
            _default = lib
        return lib


def raise_errno(name=None, err=None):
    """Raises the OSError for err (default: the C errno), of its own subclass
    (TimeoutError for ETIMEDOUT, ...)."""
    err = err or ctypes.get_errno() or _errno.EIO
    raise OSError(err, os.strerror(err), name)
