#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed inputs of fuzz_client_input: a piece-size byte, then what a firmware sends."""
import os
import struct
import sys
import zlib

MSG, CREDIT, CLOSE, ERROR = 10, 11, 12, 5
MORE, ABORT = 1, 2


def frame(ftype, seq, payload, flags=0):
    return struct.pack("<IBBHIII", 0x4C504D41, 1, ftype, flags, seq, len(payload),
                       zlib.crc32(payload)) + payload


def cut(seq, data, size=476, abort=False):
    out = b""
    for off in range(0, max(len(data), 1), size):
        last = off + size >= len(data) and not abort
        out += frame(MSG, seq, data[off:off + size], 0 if last else MORE)
    if abort:
        out += frame(MSG, seq, b"", ABORT)
    return out


SEEDS = {
    "messages": bytes([13]) + cut(1, b"hello") + cut(2, bytes(range(256)) * 8) + cut(3, b""),
    "abort_and_credit": bytes([96]) + cut(4, b"x" * 1000, abort=True)
    + frame(CREDIT, 0, struct.pack("<I", 64)) + cut(5, b"after"),
    "garbage_and_close": bytes([1]) + b"\x00garbage AMP" + cut(6, b"y" * 500)
    + frame(ERROR, 0, struct.pack("<II", 10, 0)) + frame(CLOSE, 0, struct.pack("<I", 12)),
}

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "client_input")
os.makedirs(out_dir, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
