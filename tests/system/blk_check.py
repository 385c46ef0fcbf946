#!/usr/bin/env python3
"""Disk images for the block tests (tests/user/test_blkimg.c), and the check
that what the guest wrote is on them and nothing else changed.

  blk_check.py make IMAGE ROLE SECTORS SEED   sector 0 the signature and ROLE
                                              (A: PCI, B: MMIO, R: read-only),
                                              the rest pseudo-random from SEED
  blk_check.py check IMAGE ORIGINAL ROLE [STREAM]
                                              compare IMAGE with ORIGINAL plus
                                              what the guest writes for ROLE
                                              (STREAM: the stream's writes)
The layout written here is test_blkimg.c's: keep them together.
"""
import random
import struct
import sys

SIG = b"KESTREL-TESTDISK"
SLOTS = 64
M = 0xFFFFFFFF


def word(lba, i, tag):
    v = ((lba * 2654435761) ^ (i * 2246822519) ^ (tag * 3266489917)) & M
    return v ^ (v >> 15)


def sectors_of(lba, count, tag):
    out = bytearray()
    for s in range(count):
        out += struct.pack("<128I", *(word(lba + s, i, tag) for i in range(128)))
    return bytes(out)


def make(path, role, sectors, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        f.write((SIG + role.encode() + b"\n").ljust(512, b"\0"))
        for _ in range(sectors - 1):
            f.write(rng.randbytes(512))


def slot_of(sectors, k):
    size = (sectors // 2 - 1) // SLOTS
    return 1 + k * size + (k * 7) % 32, 1 + (k * 13) % 64


def expected(orig, role, stream):
    img = bytearray(orig)
    sectors = len(img) // 512

    def put(lba, count, tag):
        img[lba * 512:(lba + count) * 512] = sectors_of(lba, count, tag)

    if role in "AB":
        tag = 1 if role == "A" else 2
        for k in range(SLOTS):
            put(*slot_of(sectors, k), tag)
    if role == "A":
        put(sectors - 1, 1, 3)
        base = sectors // 2
        for j in range(stream):
            put(base + 8 * j, 8, 1000 + j)
    return img


def check(path, orig_path, role, stream):
    got = open(path, "rb").read()
    orig = open(orig_path, "rb").read()
    want = expected(orig, role, stream)
    if len(got) != len(want):
        sys.exit(f"blk_check: {path}: {len(got)} bytes, not {len(want)}")
    bad = [s for s in range(len(want) // 512) if got[s * 512:(s + 1) * 512] != want[s * 512:(s + 1) * 512]]
    if bad:
        changed = [s for s in bad if want[s * 512:(s + 1) * 512] == orig[s * 512:(s + 1) * 512]]
        missing = [s for s in bad if s not in set(changed)]
        sys.exit(f"blk_check: {path} (disk {role}): {len(bad)} sectors differ: "
                 f"{len(missing)} the guest wrote are not there (first {missing[:8]}), "
                 f"{len(changed)} it did not write changed (first {changed[:8]})")
    written = sum(1 for s in range(len(want) // 512) if want[s * 512:(s + 1) * 512] != orig[s * 512:(s + 1) * 512])
    print(f"blk_check: {path} (disk {role}): {written} sectors written as the guest said, "
          f"the other {len(want) // 512 - written} unchanged")


def main():
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "make":
        make(a[1], a[2], int(a[3]), int(a[4]))
    elif len(a) in (4, 5) and a[0] == "check":
        check(a[1], a[2], a[3], int(a[4]) if len(a) == 5 else 0)
    else:
        sys.exit(__doc__)


main()
