#!/usr/bin/env python3
"""Helpers of tests/system/r2_apps: judge what the libcr2-style programs of
user/r2/cr2/ showed and sounded (r2_check.py reads the files and talks to
the monitor).

  r2_apps.py gfx PPM          the CR2GFX.ELF picture, every pixel
  r2_apps.py tune WAV HZ...   CR2TUNE.ELF's notes: these pitches in order, each
                              within 2 % and for about 0.3 s
"""
import sys

from r2_check import check_320x200, read_wav

# cr2gfx.c's palette: index -> the DAC's 6-bit red, green, blue.
PALETTE = {1: (63, 0, 0), 2: (0, 63, 0), 3: (0, 0, 63), 4: (63, 63, 0), 5: (0, 63, 63),
           6: (63, 0, 63), 7: (32, 16, 48), 8: (10, 20, 30), 15: (63, 63, 63)}

def picture_index(x, y):
    """cr2gfx.c's pixel(): eight bands of 25 rows, colours 1-8, and a diagonal of 15."""
    if x == y * 8 // 5:
        return 15
    return 1 + y // 25

def rgb(index):
    # QEMU widens the DAC's 6 bits back to 8 as v << 2 | v >> 4 (as r2_check's mode13).
    return tuple(v << 2 | v >> 4 for v in PALETTE[index])

def check_gfx(path):
    check_320x200(path, lambda x, y: rgb(picture_index(x, y)), "cr2gfx picture")

def check_tune(path, notes):
    """The pitch of every 25 ms of the recording (0 where it is quiet or has too few
    periods); runs of one pitch (within 3 %) are the notes heard, a lone window across two
    notes dropped. QEMU records the speaker only while its gate is open, so the rests may
    not be in the recording at all: how long they were is the script's to check (the
    program's run on the host's clock), what is judged here is the notes' order, pitch and
    length."""
    rate, v = read_wav(path)
    if not v:
        sys.exit("r2_apps: the recording is empty")
    peak = max(v) - min(v)
    win = rate // 40
    pitches = []
    for start in range(0, len(v) - win + 1, win):
        seg = v[start:start + win]
        if max(seg) - min(seg) <= peak // 10:
            pitches.append(0)
            continue
        mean = sum(seg) / len(seg)
        rises = [i for i in range(1, len(seg)) if seg[i - 1] < mean <= seg[i]]
        pitches.append((len(rises) - 1) * rate / (rises[-1] - rises[0]) if len(rises) > 2 else 0)
    runs, quiet = [], 0
    for f in pitches:
        if f and runs and abs(f - runs[-1][1][-1]) < 0.03 * runs[-1][1][-1]:
            runs[-1][1].append(f)
        elif f:
            runs.append((quiet, [f]))
        else:
            quiet += 1
    heard = [(round(sorted(r)[len(r) // 2], 1), len(r) / 40, q / 40) for q, r in runs
             if len(r) >= 3]
    print(f"r2_apps: {len(v) / rate:.2f} s recorded at {rate} Hz; heard (Hz, s, quiet s "
          f"before) {heard}, expected {notes}")
    if len(heard) != len(notes):
        sys.exit(f"r2_apps: {len(heard)} notes heard, {len(notes)} expected")
    for (f, secs, _), want in zip(heard, notes):
        # 0.3 s asked: never much shorter (the kernel's tick ends it); a busy host stretches
        # what QEMU records, so the upper bound is loose.
        if abs(f - want) > 0.02 * want or not 0.2 <= secs <= 1.0:
            sys.exit(f"r2_apps: {f} Hz for {secs} s, expected {want} Hz for about 0.3 s")

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "gfx":
        check_gfx(sys.argv[2])
    elif sys.argv[1] == "tune":
        check_tune(sys.argv[2], [float(a) for a in sys.argv[3:]])
    else:
        sys.exit(__doc__)

if __name__ == "__main__":
    main()
