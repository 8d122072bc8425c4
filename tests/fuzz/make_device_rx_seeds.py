#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed inputs of fuzz_device_rx (see the script format there)."""
import os
import struct
import zlib
import sys

OP_MESSAGE, OP_RX_BUFFER, OP_AVAIL_IDX, OP_POKE, OP_POLL, OP_SEND, OP_FLAGS, OP_ENDPOINT = range(8)
DST_TTY, DST_RAW, DST_EXTRA, DST_NS = 0, 64, 112, 128


def message(head, buf, payload, dst_sel=DST_TTY, dst=None, src=0x400, hdr_len=None, shift=0):
    out = struct.pack("<BBBBH", OP_MESSAGE, shift, head, buf, len(payload))
    out += struct.pack("<BIB", 0 if hdr_len is None else 1, src, dst_sel)
    if dst is not None:
        out += struct.pack("<I", dst)
    if hdr_len is not None:
        out += struct.pack("<H", hdr_len)
    return out + payload


def rx_buffer(head, buf):
    return struct.pack("<BBBBH", OP_RX_BUFFER, 0, head, buf, 0)


def poll(budget=0):
    return bytes([OP_POLL, budget])


def frame(ftype, seq, payload, flags=0):
    """An amplink frame (include/amplink/frame.h)."""
    return struct.pack("<IBBHIII", 0x4C504D41, 1, ftype, flags, seq, len(payload),
                       zlib.crc32(payload)) + payload


OPEN, MSG, CREDIT, CLOSE = 8, 10, 11, 12

SEEDS = {
    "echo": bytes([1])
    # The reply is due where this message lies, two bytes lower.
    + message(0, 2, b"hello", shift=2)
    + message(1, 9, b"abc", DST_RAW)
    + poll()
    + rx_buffer(2, 2)
    + rx_buffer(3, 3)
    + poll(),
    "malformed": bytes([0])
    + message(0, 8, b"abcd", hdr_len=600)
    + message(1, 9, b"lost", 200, dst=0x7777)
    + message(2, 10, b"x".ljust(32, b"\0") + struct.pack("<II", 0x400, 0), DST_NS)
    + poll(2)
    + poll(),
    "endpoint": bytes([1, OP_ENDPOINT, 1])
    + message(0, 8, b"one", DST_EXTRA)
    + message(1, 9, b"two", DST_EXTRA)
    + message(2, 10, b"three", DST_EXTRA)
    + poll() * 3
    + struct.pack("<BIH", OP_SEND, 0x400, 10)
    + bytes([OP_ENDPOINT])
    + struct.pack("<BBH", OP_AVAIL_IDX, 1, 0x1234)
    + poll(),
    # A client of the rpc example: open, a request, credit, a two-frame message, close.
    "messaging": bytes([1])
    + message(0, 8, frame(OPEN, 1, struct.pack("<II", 4, 0) + b"rpc"), DST_RAW)
    + message(1, 9, frame(MSG, 1, struct.pack("<IIii", 7, 1, 40, 2)), DST_RAW)
    + rx_buffer(2, 2)
    + rx_buffer(3, 3)
    + poll()
    + message(4, 10, frame(CREDIT, 0, struct.pack("<I", 8)), DST_RAW)
    + message(5, 11, frame(MSG, 2, struct.pack("<II", 8, 2) + b"ab", 1), DST_RAW)
    + message(6, 12, frame(MSG, 2, b"cd"), DST_RAW)
    + rx_buffer(7, 4)
    + poll()
    + message(0, 13, frame(CLOSE, 0, b""), DST_RAW)
    + poll(),
}

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "device_rx")
os.makedirs(out_dir, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
