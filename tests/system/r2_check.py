#!/usr/bin/env python3
"""Helpers of tests/system/r2_legacy: talk to QEMU's monitor, and judge what
it saw and heard (screendumps as PPM, the PC speaker as WAV) the way a person
would: the text on the screen, the picture's pixels, the tone's pitch.

  r2_check.py monitor SOCKET COMMAND...     run monitor commands, one each
  r2_check.py serial SOCKET LOG             a peer on a QEMU serial socket (COM2): what
                                            comes is appended to LOG (made once
                                            connected), what comes on stdin is sent
  r2_check.py text PPM LOG                  the r2_text screen (demo.c), drawn with the
                                            font it printed on the console LOG
  r2_check.py mode13 PPM                    the r2_mode13 picture (demo.c)
  r2_check.py planar PPM                    the r2_planar bars in mode 12h (demo.c)
  r2_check.py tone WAV HZ ASKED STOP        a tone of HZ (within 2 %) asked for ASKED s,
                                            stopped after STOP s, then silence
  r2_check.py melody WAV HZ...              notes of these pitches, in order
"""
import os
import select
import socket
import struct
import sys
import time

def connect(path, tries, what):
    """A Unix socket QEMU listens on, once it is there (tries of 0.1 s)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(tries):
        try:
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.1)
    sys.exit(f"r2_check: no {what} at {path}")

def monitor(path, commands):
    s = connect(path, 100, "monitor")
    s.settimeout(120)  # a loaded host may keep QEMU's monitor waiting, never this long

    def until_prompt():
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf

    until_prompt()
    for c in commands:
        s.sendall(c.encode() + b"\n")
        out = until_prompt()
        if b"rror" in out:
            sys.exit(f"r2_check: monitor: {c}: {out.decode(errors='replace')}")
        time.sleep(0.05)
    s.close()

def serial(path, log):
    s = connect(path, 1200, "serial socket")  # QEMU makes it as it starts: a loaded host delays
    ins = [s, sys.stdin.fileno()]
    with open(log, "ab", buffering=0) as out:
        while True:
            ready, _, _ = select.select(ins, [], [])
            if s in ready:
                data = s.recv(4096)
                if not data:
                    return  # QEMU ended
                out.write(data)
            if sys.stdin.fileno() in ready:
                data = os.read(sys.stdin.fileno(), 4096)
                if data:
                    s.sendall(data)
                else:
                    ins.remove(sys.stdin.fileno())  # nothing more to send: go on reading

def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    # "P6\n<w> <h>\n255\n" then RGB.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    if fields[0] != b"P6" or fields[3] != b"255":
        sys.exit(f"r2_check: {path}: not a binary 8-bit PPM")
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos:pos + 3 * w * h]

# What demo.c prints in r2_text, line by line (attribute 0x07: grey on black).
TEXT = [
    "Kestrel r2 text mode test",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz",
    "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "",
    "    indented AAAA BBBB",
]
GREY, BLACK = (0xaa, 0xaa, 0xaa), (0, 0, 0)

def close(a, b, tol=4):
    return all(abs(x - y) <= tol for x, y in zip(a, b))

def read_glyphs(log):
    """The font as r2_text read it from VGA plane 2: "r2: glyph 41 <16 bytes in hex>"."""
    glyphs = {}
    with open(log, "rb") as f:
        for line in f.read().decode(errors="replace").replace("\r", "").splitlines():
            if line.startswith("r2: glyph "):
                code, rows = line.split()[2:4]
                glyphs[chr(int(code, 16))] = bytes.fromhex(rows)
    return glyphs

def check_text(path, log):
    """Draw the 80x25 screen r2_text printed with the VGA's own font (9-dot cells, the 9th
    column blank for these characters) and compare every pixel of the screendump with it."""
    w, h, px = read_ppm(path)
    if (w, h) != (720, 400):
        sys.exit(f"r2_check: text screen is {w}x{h}, not 80x25 cells of 9x16")
    glyphs = read_glyphs(log)
    if len(glyphs) != 95:
        sys.exit(f"r2_check: {len(glyphs)} glyphs on the console, not the 95 printable ones")
    bad = []
    for row in range(25):
        line = TEXT[row] if row < len(TEXT) else ""
        for col in range(80):
            glyph = glyphs[line[col] if col < len(line) else " "]
            for y in range(16):
                bits = glyph[y]
                for x in range(9):
                    on = x < 8 and bits & (0x80 >> x)
                    want = GREY if on else BLACK
                    i = 3 * ((row * 16 + y) * w + col * 9 + x)
                    got = tuple(px[i:i + 3])
                    if not close(got, want, 3):
                        bad.append((col * 9 + x, row * 16 + y, got, want))
    if bad:
        x, y, got, want = bad[0]
        sys.exit(f"r2_check: text screen: {len(bad)} of {w * h} pixels differ; first at "
                 f"({x},{y}): {got}, expected {want}")
    lit = sum(close(tuple(px[i:i + 3]), GREY, 3) for i in range(0, len(px), 3))
    print(f"r2_check: text screen {w}x{h}: all {w * h} pixels as drawn with the VGA's font "
          f"({lit} lit)")

def picture_index(x, y):
    if x in (0, 319) or y in (0, 199):
        return 255
    if abs(x - 160) <= 5 and y == 100 or x == 160 and abs(y - 100) <= 5:
        return 255
    return ((x ^ y) + (y >> 3)) & 0xff

def palette(i):
    six = lambda v: (v & 0xfc) >> 2
    # The DAC holds 6 bits; QEMU widens them back to 8 as v << 2 | v >> 4.
    eight = lambda v: (six(v) << 2) | (six(v) >> 4)
    return eight(i), eight(255 - i), eight((i * 4) & 0xff)

def check_320x200(path, colour, what):
    """A mode-13h screendump (320x200, scaled by a whole factor) against colour(x, y)."""
    w, h, px = read_ppm(path)
    if w % 320 or h % 200:
        sys.exit(f"r2_check: {what}: the screen is {w}x{h}, not a multiple of 320x200")
    sx, sy = w // 320, h // 200
    bad = []
    for y in range(h):
        for x in range(w):
            want = colour(x // sx, y // sy)
            i = 3 * (y * w + x)
            got = tuple(px[i:i + 3])
            if not close(got, want, 3):
                bad.append((x, y, got, want))
    if bad:
        x, y, got, want = bad[0]
        sys.exit(f"r2_check: {what}: {len(bad)} of {w * h} pixels differ; first at "
                 f"({x},{y}): {got}, expected {want}")
    print(f"r2_check: {what} {w}x{h}: all {w * h} pixels as drawn")

def check_mode13(path):
    check_320x200(path, lambda x, y: palette(picture_index(x, y)), "mode 13h picture")

# The EGA colours as r2_planar asks for them (RGB). The DAC holds their top six bits (0x15,
# 0x2a, 0x3f), which QEMU widens to 8 by repeating the lowest: 0x57, 0xa8 and 0xff on screen.
EGA = [0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
       0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff]

def qemu_dac(rgb):
    def widen(c):
        six = c >> 2
        return six << 2 | (six & 1) * 3
    return tuple(widen(rgb >> s & 0xff) for s in (16, 8, 0))

def check_planar(path):
    """Mode 12h at its own size: rows 100..139 as 16 bars of 40 pixels, bar n in EGA colour n
    as QEMU shows the DAC's entry for it, every pixel exactly; every other pixel black."""
    w, h, px = read_ppm(path)
    if (w, h) != (640, 480):
        sys.exit(f"r2_check: mode 12h screen is {w}x{h}, not 640x480")
    bars = [qemu_dac(c) for c in EGA]
    bad = []
    for y in range(h):
        for x in range(w):
            want = bars[x // 40] if 100 <= y < 140 else BLACK
            i = 3 * (y * w + x)
            got = tuple(px[i:i + 3])
            if got != want:
                bad.append((x, y, got, want))
    if bad:
        x, y, got, want = bad[0]
        sys.exit(f"r2_check: mode 12h: {len(bad)} of {w * h} pixels differ; first at "
                 f"({x},{y}): {got}, expected {want}")
    print(f"r2_check: mode 12h bars {w}x{h}: all {w * h} pixels as drawn")

# r2_fb's colours (user/r2/demo.c), left to right; the framebuffer shows them exactly.
FB_BARS = [0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff, 0xffffff, 0x808080]

def rgb3(c):
    return (c >> 16 & 0xff, c >> 8 & 0xff, c & 0xff)

def check_fb(path, frame, size):
    """r2_fb's frames on a framebuffer of `size` (WxH), every pixel exactly: "bars" 8
    vertical bars (x * 8 // w), "scaled" FB_BARS as 4x2 blocks stretched from 4x2 (nearest),
    "mode13" the r2_mode13 picture (its frame, no cross) stretched from 320x200, its
    palette's 8-bit values (no DAC in between)."""
    w, h, px = read_ppm(path)
    if f"{w}x{h}" != size:
        sys.exit(f"r2_check: framebuffer screen is {w}x{h}, not {size}")
    def want(x, y):
        if frame == "bars":
            return rgb3(FB_BARS[x * 8 // w])
        if frame == "scaled":
            return rgb3(FB_BARS[(y * 2 // h) * 4 + x * 4 // w])
        sx, sy = x * 320 // w, y * 200 // h
        i = 255 if sx in (0, 319) or sy in (0, 199) else ((sx ^ sy) + (sy >> 3)) & 0xff
        return (i & 0xfc, (255 - i) & 0xfc, (i * 4) & 0xfc)
    bad = 0
    first = None
    for y in range(h):
        for x in range(w):
            i = 3 * (y * w + x)
            got, exp = tuple(px[i:i + 3]), want(x, y)
            if got != exp:
                bad += 1
                first = first or (x, y, got, exp)
    if bad:
        x, y, got, exp = first
        sys.exit(f"r2_check: framebuffer {frame}: {bad} of {w * h} pixels differ; first at "
                 f"({x},{y}): {got}, expected {exp}")
    print(f"r2_check: framebuffer {frame} {w}x{h}: all {w * h} pixels as drawn")

def read_wav(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        sys.exit(f"r2_check: {path}: not a WAV file")
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            samples = body if size and size != 0xffffffff else data[pos + 8:]
        pos += 8 + size + (size & 1)
    if not fmt or samples is None:
        sys.exit(f"r2_check: {path}: no fmt or data chunk")
    _, channels, rate, _, _, bits = fmt
    width = bits // 8
    n = len(samples) // (width * channels)
    vals = []
    for i in range(n):
        off = i * width * channels
        if width == 2:
            vals.append(struct.unpack("<h", samples[off:off + 2])[0])
        else:
            vals.append(samples[off] - 128)
    return rate, vals

def check_tone(path, hz, asked_s, stop_s):
    """A tone of hz asked for asked_s seconds and stopped after stop_s: its pitch
    within 2 %, its length that of the stop, and nothing sounding after it. QEMU
    records the speaker only while its gate is open, so silence is the
    recording's end: nothing more comes although the program runs on."""
    rate, v = read_wav(path)
    if not v:
        sys.exit("r2_check: the recording is empty")
    peak = max(v) - min(v)
    win = rate // 100  # 10 ms windows: which of them sound
    loud = [max(v[i:i + win]) - min(v[i:i + win]) > peak // 10
            for i in range(0, len(v) - win + 1, win)]
    if not peak or not any(loud):
        sys.exit("r2_check: the speaker never sounded")
    first = loud.index(True)
    last = len(loud) - 1 - loud[::-1].index(True)
    sounding = (last - first + 1) / 100
    # Pitch: rising crossings of the mean over the sounding stretch.
    seg = v[first * win:(last + 1) * win]
    mean = sum(seg) / len(seg)
    rises = [i for i in range(1, len(seg)) if seg[i - 1] < mean <= seg[i]]
    if len(rises) < 10:
        sys.exit("r2_check: too few periods to measure")
    freq = (len(rises) - 1) * rate / (rises[-1] - rises[0])
    print(f"r2_check: {rate} Hz recording of {len(v) / rate:.2f} s: {freq:.1f} Hz (asked "
          f"{hz:g}) for {sounding:.2f} s (asked {asked_s:g} s, stopped after {stop_s:g} s), "
          f"then nothing")
    if abs(freq - hz) > 0.02 * hz:
        sys.exit(f"r2_check: measured {freq:.1f} Hz, asked for {hz:g} Hz (more than 2 % off)")
    # The recording runs on the host's clock, which a busy host stretches (the program's
    # sleep before its stop with it): short of the length asked is what shows the stop.
    if not stop_s / 2 <= sounding <= asked_s * 0.9:
        sys.exit(f"r2_check: the tone sounded {sounding:.2f} s; the stop came after {stop_s:g} s")
    if (len(v) - (last + 1) * win) / rate > 0.1:
        sys.exit("r2_check: more than the tone was recorded")

def check_melody(path, notes):
    """Notes of the given pitches, in order, each for most of its 0.5 s: the pitch of every
    50 ms of the recording, runs of one pitch taken as a note (the rests between notes are not
    recorded: QEMU records only while the speaker sounds)."""
    rate, v = read_wav(path)
    win = rate // 20
    pitches = []
    for start in range(0, len(v) - win + 1, win):
        seg = v[start:start + win]
        mean = sum(seg) / len(seg)
        rises = [i for i in range(1, len(seg)) if seg[i - 1] < mean <= seg[i]]
        pitches.append((len(rises) - 1) * rate / (rises[-1] - rises[0]) if len(rises) > 2 else 0)
    # Runs of windows each within 3 % of the one before; a run's pitch is its median window's
    # (a window across two notes, which play back to back in the recording, is an outlier).
    runs = []
    for f in pitches:
        if runs and f and abs(f - runs[-1][-1]) < 0.03 * runs[-1][-1]:
            runs[-1].append(f)
        elif f:
            runs.append([f])
    heard = [(round(sorted(r)[len(r) // 2], 1), len(r) / 20) for r in runs if len(r) >= 3]
    print(f"r2_check: heard {heard} (Hz, s), expected {notes}")
    if len(heard) != len(notes):
        sys.exit(f"r2_check: {len(heard)} notes heard, {len(notes)} expected")
    for (f, secs), want in zip(heard, notes):
        # Lengths are the host's time as QEMU records, which a busy host stretches: a note
        # never comes short (the tick ends it), how long it lasts is the host's business.
        if abs(f - want) > 0.02 * want or secs < 0.2:
            sys.exit(f"r2_check: {f} Hz for {secs} s, expected {want} Hz for about 0.47 s")

def read_screen(path, log):
    """The 80x25 text screen of a screendump as text: each cell the printable character whose
    glyph (as r2_text dumped the VGA's font) it shows exactly, grey on black; '?' for none."""
    w, h, px = read_ppm(path)
    if (w, h) != (720, 400):
        sys.exit(f"r2_check: text screen is {w}x{h}, not 80x25 cells of 9x16")
    by_bits = {bits: ch for ch, bits in read_glyphs(log).items()}
    if len(by_bits) < 90:
        sys.exit(f"r2_check: only {len(by_bits)} glyphs on the console")
    lines = []
    for row in range(25):
        line = ""
        for col in range(80):
            rows = bytearray()
            for y in range(16):
                v = 0
                for x in range(8):
                    i = 3 * ((row * 16 + y) * w + col * 9 + x)
                    if close(tuple(px[i:i + 3]), GREY, 3):
                        v |= 0x80 >> x
                rows.append(v)
            line += by_bits.get(bytes(rows), "?")
        lines.append(line.rstrip())
    return lines

def check_screen(path, log, want):
    """The lines `want` shown on the screen one under the other, in that order."""
    lines = read_screen(path, log)
    for top in range(len(lines) - len(want) + 1):
        if lines[top:top + len(want)] == want:
            print(f"r2_check: the screen shows {want} at row {top}")
            return
    shown = "\n".join(lines)
    sys.exit(f"r2_check: the screen does not show {want}; it shows:\n{shown}")

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    what = sys.argv[1]
    if what == "monitor":
        monitor(sys.argv[2], sys.argv[3:])
    elif what == "serial" and len(sys.argv) == 4:
        serial(sys.argv[2], sys.argv[3])
    elif what == "text":
        check_text(sys.argv[2], sys.argv[3])
    elif what == "mode13":
        check_mode13(sys.argv[2])
    elif what == "planar":
        check_planar(sys.argv[2])
    elif what == "fb":
        check_fb(sys.argv[2], sys.argv[3], sys.argv[4])
    elif what == "screen":
        check_screen(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif what == "tone":
        check_tone(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif what == "melody":
        check_melody(sys.argv[2], [float(a) for a in sys.argv[3:]])
    else:
        sys.exit(__doc__)

if __name__ == "__main__":
    main()
