#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed inputs of fuzz_vhost_user (see the input format there)."""
import os
import struct
import sys

GUEST_FD, EVENTFD, PIPE = 0, 1, 2
VERSION, NEED_REPLY = 1, 8


def msg(request, payload=b"", fds=0, kind=GUEST_FD, flags=VERSION | NEED_REPLY):
    return bytes([fds | (kind << 2)]) + struct.pack("<III", request, flags, len(payload)) + payload


def u64(v):
    return struct.pack("<Q", v)


def state(index, num):
    return struct.pack("<II", index, num)


def ring(q, base):
    return (msg(13, u64(q), 1, PIPE)                                  # SET_VRING_CALL
            + msg(8, state(q, 16))                                    # SET_VRING_NUM
            + msg(10, state(q, 0))                                    # SET_VRING_BASE
            + msg(9, struct.pack("<IIQQQQ", q, 0, base, base + 0x800, base + 0x400, 0))
            + msg(12, u64(q), 1, EVENTFD))                            # SET_VRING_KICK


def bring_up(region_size=0x10000):
    features = (1 << 0) | (1 << 30) | (1 << 32)
    table = struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, region_size, 0, 0)
    return (msg(3) + msg(1, flags=VERSION) + msg(15, flags=VERSION) + msg(16, u64(0x28))
            + msg(21, fds=1, kind=PIPE) + msg(2, u64(features)) + msg(5, table, 1, GUEST_FD)
            + ring(0, 0x1000) + ring(1, 0x2000)
            + msg(18, state(0, 1)) + msg(18, state(1, 1)))


SEEDS = {
    "bring_up": bring_up(),
    "bring_up_then_stop": bring_up() + msg(11, state(1, 0)) + msg(4),
    "oversized_region": bring_up(region_size=0x20000),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "vhost_user")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
