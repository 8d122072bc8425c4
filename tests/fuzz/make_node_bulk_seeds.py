#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed inputs of fuzz_node_bulk (see the script format there)."""
import os
import sys

POOL, POOL_FORGED, SUBMIT, SUBMIT_FORGE, RAW, STRANGER, REOPEN, SETTLE, POST, SEND = range(10)
# next_extent(): a byte below 224 picks an edge (0, 1, 16, SLOT/2, SLOT-1, SLOT, SLOT+1)
E_0, E_1, E_16, E_HALF, E_SLOT_MINUS_1 = range(5)
SINK, WHOLE = 0, 1
F_MORE, F_CRC = 1, 2


def submit(client, flags, seq, parts):
    """An honest SUBMIT: parts are (offset edge, length edge, fill byte)."""
    out = bytes([SUBMIT, client, flags, seq, len(parts) - 1])
    for off, length, fill in parts:
        out += bytes([off, length, fill])
    return out


def honest():
    """A pool, messages in one and in several parts to both services."""
    return bytes([1]) + b"".join([
        submit(SINK, F_CRC, 1, [(E_0, E_HALF, 0x11), (E_16, E_HALF, 0x22), (E_1, E_16, 0x33)]),
        bytes([SETTLE]),
        submit(WHOLE, F_MORE | F_CRC, 2, [(E_0, E_HALF, 0x44), (E_0, E_HALF, 0x55)]),
        submit(WHOLE, 0, 2, [(E_0, E_16, 0x66)]),
        bytes([SETTLE, POOL]),
        submit(SINK, 0, 3, [(E_0, E_SLOT_MINUS_1, 0x77)]),
        bytes([SETTLE]),
    ])


def forged():
    """Forged descriptors of every type, a stranger, a bad POOL, raw bytes."""
    return bytes([1]) + b"".join([
        # SUBMIT (type 0), 3 descriptors (count - 1 = 2), the real peer and connection
        bytes([SUBMIT_FORGE, SINK, 0, 2, 1, 1, 1, 0]),
        bytes([0, E_0, E_16, 0, 7, E_HALF, E_HALF, 0, 1, E_0, E_16, 3]) + bytes(4),
        bytes([SETTLE]),
        bytes([STRANGER]) + submit(SINK, 0, 1, [(E_0, E_16, 1)])[1:],
        bytes([POOL_FORGED]) + bytes([9, 0, 0, 0, E_0, 0, E_HALF, 3, E_HALF, 4]),
        bytes([RAW, 12]) + bytes(range(24)) + bytes([1]),
        bytes([SETTLE, POOL, REOPEN, SINK, 1]),
        submit(SINK, 0, 1, [(E_0, E_16, 2)]),
    ])


def sends():
    """Posted slots filled by a service, in one FILLED and in several, and in frames."""
    return bytes([1]) + b"".join([
        bytes([POST, 3]),
        # client 0 (AMP_OPEN_F_BULK): length edge SLOT/2 times 4, then SLOT - 1 times 3
        bytes([SEND, SINK, E_HALF, 4, SETTLE]),
        bytes([SEND, SINK, E_SLOT_MINUS_1, 3, SETTLE, POST, 5, SETTLE]),
        # client 1 (no flag): frames
        bytes([SEND, WHOLE, E_HALF, 4, SETTLE, POOL, SEND, SINK, E_HALF, 2, SETTLE]),
    ])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                            "corpus", "node_bulk")
    os.makedirs(out, exist_ok=True)
    for name, data in [("honest", honest()), ("forged", forged()), ("sends", sends())]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
