#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes a deliberately broken copy of an M4 firmware ELF, one defect per
variant, so the tests can assert that amplink-elfcheck rejects each of them.

    elf_mutate.py IN.elf OUT.elf VARIANT
    elf_mutate.py --list

Offsets follow the ELF32 layout and the remoteproc resource table ABI
(include/linux/remoteproc.h); only the fields named by the variant change.
"""
import struct
import sys

EHDR = "<16sHHIIIIIHHHHHH"
PHDR = "<IIIIIIII"
SHDR = "<IIIIIIIIII"
PT_LOAD = 1
SHF_WRITE = 1

# Offsets inside the table as this firmware lays it out (rsc_table.h):
# header 16, offsets[2], then the vdev entry and the trace entry. The
# variants find entries through the offsets, as Linux does.
VDEV_ID, VDEV_DFEATURES, VDEV_NUM_VRINGS, VDEV_VRING0 = 4, 12, 25, 28
VRING_DA, VRING_ALIGN, VRING_NUM = 0, 4, 8
TRACE_DA, TRACE_RESERVED = 4, 12


class Elf:
    def __init__(self, data):
        self.d = bytearray(data)
        h = struct.unpack_from(EHDR, self.d, 0)
        (_, _, _, _, self.entry, self.phoff, self.shoff, _, _, self.phentsize,
         self.phnum, self.shentsize, self.shnum, self.shstrndx) = h

    def u32(self, off, value=None):
        if value is None:
            return struct.unpack_from("<I", self.d, off)[0]
        struct.pack_into("<I", self.d, off, value & 0xFFFFFFFF)

    def phdr(self, i):
        return self.phoff + i * self.phentsize

    def segments(self):
        for i in range(self.phnum):
            p = struct.unpack_from(PHDR, self.d, self.phdr(i))
            yield i, p  # type, offset, vaddr, paddr, filesz, memsz, flags, align

    def shdr(self, i):
        return self.shoff + i * self.shentsize

    def section(self, name):
        names = struct.unpack_from(SHDR, self.d, self.shdr(self.shstrndx))
        for i in range(self.shnum):
            s = struct.unpack_from(SHDR, self.d, self.shdr(i))
            start = names[4] + s[0]
            end = self.d.index(b"\0", start)
            if self.d[start:end].decode() == name:
                return i, s  # name, type, flags, addr, offset, size, ...
        raise SystemExit(f"elf_mutate: no section {name}")

    def rsc(self):
        return self.section(".resource_table")[1][4]

    def entry_off(self, n):
        base = self.rsc()
        return base + self.u32(base + 16 + 4 * n) + 4  # past fw_rsc_hdr.type

    def load_at(self, paddr_pred):
        for i, p in self.segments():
            if p[0] == PT_LOAD and p[5] and paddr_pred(p[3]):
                return i, p
        raise SystemExit("elf_mutate: no such segment")


def vdev(e):
    return e.entry_off(0)


def trace(e):
    return e.entry_off(1)


def vring0(e):
    return vdev(e) + VDEV_VRING0 - 4


def set_paddr(e, pred, value):
    i, p = e.load_at(pred)
    e.u32(e.phdr(i) + 12, value)  # p_paddr
    e.u32(e.phdr(i) + 8, value)   # p_vaddr


def vectors(e):
    return e.load_at(lambda a: a == 0)[1][1]


def rename_rsc(e):
    i, s = e.section(".resource_table")
    names = struct.unpack_from(SHDR, e.d, e.shdr(e.shstrndx))
    e.d[names[4] + s[0] + len(".resource_tabl")] = ord("X")


def clear_write_flag(e):
    i, s = e.section(".resource_table")
    e.u32(e.shdr(i) + 8, s[2] & ~SHF_WRITE)


VARIANTS = {
    "bad-magic": lambda e: e.d.__setitem__(1, ord("X")),
    "truncated": lambda e: e.d.__delitem__(slice(len(e.d) // 2, None)),
    "no-resource-table": rename_rsc,
    "rsc-version": lambda e: e.u32(e.rsc(), 2),
    "rsc-reserved": lambda e: e.u32(e.rsc() + 8, 1),
    "rsc-entry-count": lambda e: e.u32(e.rsc() + 4, 1000),
    "rsc-offset-outside": lambda e: e.u32(e.rsc() + 16, 4096),
    "rsc-read-only": clear_write_flag,
    "vdev-id": lambda e: e.u32(vdev(e) + VDEV_ID - 4, 5),
    "vdev-no-ns": lambda e: e.u32(vdev(e) + VDEV_DFEATURES - 4, 0),
    "vdev-one-vring": lambda e: e.d.__setitem__(vdev(e) + VDEV_NUM_VRINGS - 4, 1),
    "vring-num-not-pow2": lambda e: e.u32(vring0(e) + VRING_NUM, 12),
    "vring-num-too-big": lambda e: [e.u32(vring0(e) + VRING_NUM + 20 * q, 64)
                                    for q in (0, 1)],
    "vring-align": lambda e: e.u32(vring0(e) + VRING_ALIGN, 4096),
    "vring-da": lambda e: e.u32(vring0(e) + VRING_DA, 0x10040000),
    "trace-reserved": lambda e: e.u32(trace(e) + TRACE_RESERVED - 4, 1),
    "trace-outside": lambda e: e.u32(trace(e) + TRACE_DA - 4, 0x20000000),
    "segment-outside": lambda e: set_paddr(e, lambda a: a == 0x10000000, 0x20000000),
    "segment-in-ipc": lambda e: set_paddr(e, lambda a: a == 0x10000000, 0x10041000),
    "no-vectors": lambda e: set_paddr(e, lambda a: a == 0, 0x8000),
    "stack-misaligned": lambda e: e.u32(vectors(e), e.u32(vectors(e)) - 4),
    "stack-outside": lambda e: e.u32(vectors(e), 0x10050000),
    "reset-not-thumb": lambda e: e.u32(vectors(e) + 4, e.u32(vectors(e) + 4) & ~1),
    "entry-mismatch": lambda e: e.u32(24, 0x10000101),
}


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(VARIANTS))
        return 0
    if len(argv) != 4 or argv[3] not in VARIANTS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        e = Elf(f.read())
    VARIANTS[argv[3]](e)
    with open(argv[2], "wb") as f:
        f.write(e.d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
