#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed inputs of fuzz_bulk_pool (see the script format there)."""
import os
import sys

(HOST_ACQUIRE, HOST_SUBMIT, HOST_POST, HOST_DONE, HOST_UNFILL, HOST_DROP_HOLDER, REMOTE_ACQUIRE,
 REMOTE_FILL, REMOTE_RELEASE, REMOTE_UNFILL, RESTART, HOST_STOP, REMOTE_STOP, FORGE_HOST,
 FORGE_REMOTE, RAW_HOST, RAW_REMOTE) = range(17)
EDGE_0, EDGE_1, EDGE_SLOT_MINUS_1, EDGE_SLOT = 0, 1, 2, 3


def op(code, holder=0, slot=0, *extra):
    return bytes([code, holder, slot, *extra])


def both_directions():
    """A submit and its release, a post, its fill and the client's read."""
    return bytes([0]) + b"".join([
        op(HOST_ACQUIRE, 0),
        op(HOST_SUBMIT, 0, 0, EDGE_0, EDGE_SLOT),
        op(REMOTE_RELEASE, 0, 0),
        op(HOST_POST),
        op(REMOTE_ACQUIRE, 1),
        op(REMOTE_FILL, 1, 1, EDGE_1, EDGE_SLOT_MINUS_1),
        op(HOST_DONE, 1, 1),
    ])


def restart_with_slots_out():
    """Slots lent both ways when the remote restarts, from the last generation before wrap."""
    return bytes([0xff]) + b"".join([
        op(HOST_ACQUIRE, 2), op(HOST_SUBMIT, 2, 0, EDGE_0, EDGE_1),
        op(HOST_POST), op(HOST_POST),
        op(HOST_STOP), op(REMOTE_RELEASE, 2, 0),
        op(RESTART),
        op(HOST_POST), op(REMOTE_ACQUIRE, 0),
    ])


def forged():
    """Forged releases and fills, stale and out of range, and raw bytes."""
    return bytes([0]) + b"".join([
        op(HOST_ACQUIRE, 0), op(HOST_SUBMIT, 0, 0, EDGE_0, EDGE_1), op(HOST_POST),
        # type RELEASE (SUBMIT + 1), 2 descriptors, peer 0
        op(FORGE_HOST, 0, 0, 1, 1, 0) + bytes([0x00, 0, EDGE_0, EDGE_1, 0x03, 1, EDGE_0, EDGE_1]),
        # type FILLED (SUBMIT + 3), 1 descriptor, offset 1 + length 0xffffffff
        op(FORGE_HOST, 0, 0, 3, 0, 1) + bytes([0x00, 1, EDGE_1, 5]),
        op(RAW_REMOTE, 0, 0, 12) + bytes(range(1, 25)),
    ])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                            "corpus", "bulk_pool")
    os.makedirs(out, exist_ok=True)
    for name, data in [("both_directions", both_directions()),
                       ("restart_with_slots_out", restart_with_slots_out()),
                       ("forged", forged())]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
