#!/usr/bin/env python3
"""FAT12 images for the host <-> guest file test (tests/system/fat_files,
tests/user/test_fatsys.c), and the check of what the guest made of them.

  fat_files.py make IMAGE KIND MODEL   KIND small (720 KB, 2 sectors a
                                       cluster) or full (1.2 MB, 1 sector a
                                       cluster, about 70 clusters left free):
                                       mkfs.fat and mcopy make the tree below,
                                       MANIFEST.TXT is put on the image, the
                                       tree (short names, contents, long
                                       names) saved to MODEL (JSON)
  fat_files.py check IMAGE MODEL       the guest's script (SCRIPT below)
                                       applied to MODEL must be what IMAGE
                                       holds: fsck.fat -n clean, the
                                       image's tree read here, `mdir -/ -b`
                                       and `mtype` of every file

The tree: text files, directories 6 levels deep, files with long names (and
a directory with one), files written, every other deleted and a big one
written over the holes (so it is fragmented: checked), and on the full
image a filler that leaves little room. MANIFEST.TXT lists every file but
itself, one a line: "PATH SIZE FNV", PATH in 8.3 short names, FNV the
32-bit FNV-1a of the contents in hex (8 digits).

The guest's script is test_fatsys.c's: keep them together.
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")
LABELS = {"small": "KTSMALL", "full": "KTFULL"}
KB = {"small": 720, "full": 1200}
CLUSTER_SECTORS = {"small": 2, "full": 1}
FREE_CLUSTERS_LEFT = 70  # on the full image, after MANIFEST.TXT


def fnv1a(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def pattern(n, tag):
    """The bytes the guest writes: byte i is (i * 31 + tag * 17 + (i >> 8)) mod 256."""
    return bytes((i * 31 + tag * 17 + (i >> 8)) & 0xFF for i in range(n))


def run(*cmd):
    subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL)


# ---- reading an image (short names), independent of mtools ----

class Fat12:
    def __init__(self, path):
        self.img = open(path, "rb").read()
        b = self.img
        self.bps, self.spc = struct.unpack_from("<HB", b, 11)
        self.reserved, self.nfats, self.root_entries = struct.unpack_from("<HBH", b, 14)
        self.fat_sectors = struct.unpack_from("<H", b, 22)[0]
        total = struct.unpack_from("<H", b, 19)[0] or struct.unpack_from("<I", b, 32)[0]
        self.fat = b[self.reserved * self.bps:(self.reserved + self.fat_sectors) * self.bps]
        self.root = (self.reserved + self.nfats * self.fat_sectors) * self.bps
        self.data = self.root + self.root_entries * 32
        self.csize = self.spc * self.bps
        self.clusters = (total * self.bps - self.data) // self.csize

    def next(self, c):
        v = struct.unpack_from("<H", self.fat, c * 3 // 2)[0]
        return v >> 4 if c & 1 else v & 0xFFF

    def chain(self, c):
        out = []
        while 2 <= c < self.clusters + 2 and len(out) <= self.clusters:
            out.append(c)
            c = self.next(c)
        return out

    def free_clusters(self):
        return sum(1 for c in range(2, self.clusters + 2) if self.next(c) == 0)

    def cluster(self, c):
        off = self.data + (c - 2) * self.csize
        return self.img[off:off + self.csize]

    def entries(self, first):
        raw = (self.img[self.root:self.data] if first == 0
               else b"".join(self.cluster(c) for c in self.chain(first)))
        for i in range(0, len(raw), 32):
            e = raw[i:i + 32]
            if e[0] == 0:
                return
            if e[0] == 0xE5 or e[11] == 0x0F or e[11] & 0x08 or e[0:1] == b".":
                continue
            name = e[0:8].decode().rstrip()
            ext = e[8:11].decode().rstrip()
            yield (name + ("." + ext if ext else ""), e[11],
                   struct.unpack_from("<H", e, 26)[0], struct.unpack_from("<I", e, 28)[0])

    def tree(self, first=0, prefix=""):
        """{path: bytes} for files, {path: None} for directories."""
        out = {}
        for name, attr, clus, size in self.entries(first):
            path = prefix + "/" + name
            if attr & 0x10:
                out[path] = None
                out.update(self.tree(clus, path))
            else:
                data = b"".join(self.cluster(c) for c in self.chain(clus))
                out[path] = data[:size]
        return out

    def extents(self, path):
        parts = path.strip("/").split("/")
        first = 0
        for i, part in enumerate(parts):
            for name, _, clus, _ in self.entries(first):
                if name == part:
                    first = clus
                    break
            else:
                raise KeyError(path)
        ch = self.chain(first)
        return 1 + sum(1 for a, b in zip(ch, ch[1:]) if b != a + 1)


# ---- making the images ----

def prefixes(path):
    """'/A/B/C' -> ['/A', '/A/B', '/A/B/C']."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i + 1]) for i in range(len(parts))]


def make(image, kind, model_path):
    rng = random.Random(15 + len(kind))
    tmp = tempfile.mkdtemp(prefix="kestrel-fatfiles.")
    long_names = {}  # the long name of each file or directory made with one: short path -> long

    def put(dest, data):
        src = os.path.join(tmp, "f")
        with open(src, "wb") as f:
            f.write(data)
        run("mcopy", "-i", image, src, "::" + dest)

    if os.path.exists(image):
        os.remove(image)
    run("mkfs.fat", "-F", "12", "-C", "-n", LABELS[kind], "-s", str(CLUSTER_SECTORS[kind]),
        "-i", "4B540015", image, str(KB[kind]))
    put("/README.TXT", b"The image of the file test (tests/system/fat_files).\n")
    put("/HELLO.TXT", b"Hello from the host's mtools\n")
    put("/NOTES.TXT", b"".join(b"note %d: the guest empties this file\n" % i for i in range(60)))
    put("/EMPTY.TXT", b"")
    path = ""
    for level in range(1, 7):
        path += "/D%d" % level
        run("mmd", "-i", image, "::" + path)
        put(path + "/L%d.TXT" % level, b"level %d\n" % level * (level * 40))
    put(path + "/DEEP.TXT", b"at the bottom of six directories\n")
    # Long names: mcopy makes an LFN entry and an 8.3 alias.
    for long in ["A long file name.txt", "another long name here.data", "MixedCase.Txt"]:
        put("/" + long, rng.randbytes(rng.randrange(100, 3000)))
    run("mmd", "-i", image, "::/Long Directory Name")
    put("/Long Directory Name/inside a long dir.txt", b"inside a directory with a long name\n")
    # Fragmentation: 24 files, every other deleted, then the disk filled past the
    # last one so that a big file can only go into the holes.
    run("mmd", "-i", image, "::/FRAG")
    csize = CLUSTER_SECTORS[kind] * 512
    for i in range(24):
        put("/FRAG/F%02d.BIN" % i, rng.randbytes(3 * csize - 100))
    fat = Fat12(image)
    put("/TAIL.BIN", rng.randbytes((fat.free_clusters() - 2) * csize))
    for i in range(1, 24, 2):
        run("mdel", "-i", image, "::/FRAG/F%02d.BIN" % i)
    put("/FRAG/BIG.BIN", rng.randbytes(30 * csize + 123))
    fat = Fat12(image)
    if fat.extents("/FRAG/BIG.BIN") < 5:
        sys.exit("fat_files: /FRAG/BIG.BIN is not fragmented (%d extents)" % fat.extents("/FRAG/BIG.BIN"))
    run("mdel", "-i", image, "::/TAIL.BIN")
    if kind == "full":
        fat = Fat12(image)
        # Room left: FREE_CLUSTERS_LEFT, and what the manifest takes (it is below 4 KiB).
        put("/FILLER.BIN", rng.randbytes((fat.free_clusters() - FREE_CLUSTERS_LEFT - 4096 // csize) * csize))
    tree = Fat12(image).tree()
    manifest = "".join("%s %d %08x\n" % (p, len(d), fnv1a(d))
                       for p, d in sorted(tree.items()) if d is not None)
    put("/MANIFEST.TXT", manifest.encode())
    # The long names, from mdir's listing (short name, then the long one).
    out = subprocess.run(["mdir", "-/", "-i", image, "::/"], check=True, env=ENV,
                         capture_output=True, text=True).stdout
    cur_long = cur_short = ""
    short_of = {"": ""}  # long path -> short path, of every entry listed
    for line in out.splitlines():
        if line.startswith("Directory for ::"):
            cur_long = line[len("Directory for ::"):].rstrip("/")
            cur_short = short_of[cur_long]
            continue
        if len(line) < 13 or line[0] == " " or line[8] != " " or line.startswith(("Total", "Volume")):
            continue
        short = line[0:8].rstrip() + ("." + line[9:12].rstrip() if line[9:12].strip() else "")
        if short in (".", ".."):
            continue
        long = line[42:].strip() if len(line) > 42 else ""
        if long:
            long_names[cur_short + "/" + short] = long
        short_of[cur_long + "/" + (long or short)] = cur_short + "/" + short
    final = Fat12(image).tree()
    model = {p: (None if d is None else d.hex()) for p, d in final.items()}
    with open(model_path, "w") as f:
        json.dump({"kind": kind, "tree": model, "long": long_names}, f)
    for p in os.listdir(tmp):
        os.remove(os.path.join(tmp, p))
    os.rmdir(tmp)
    free = Fat12(image).free_clusters()
    print("fat_files: %s: %d files, %d directories, %d long names, /FRAG/BIG.BIN in %d extents, %d clusters free"
          % (kind, sum(d is not None for d in final.values()), sum(d is None for d in final.values()),
             len(long_names), Fat12(image).extents("/FRAG/BIG.BIN"), free))


# ---- the guest's script, on the model ----

def script(tree):
    """test_fatsys.c's writes, in its order, on {path: bytes or None}."""
    def rename(a, b):
        tree[b] = tree.pop(a)
        if tree[b] is None:  # a directory: its contents move too
            for p in [p for p in tree if p.startswith(a + "/")]:
                tree[b + p[len(a):]] = tree.pop(p)
    tree["/GUEST"] = None
    tree["/GUEST/NEW.TXT"] = b"".join(b"line %d of NEW.TXT\n" % n for n in range(1, 151))
    tree["/GUEST/BIG.DAT"] = pattern(20000, 1)
    rename("/README.TXT", "/GUEST/README.OLD")
    rename("/D1/D2/D3/D4/D5/D6/DEEP.TXT", "/D1/D2/DEEP2.TXT")
    tree.pop("/D1/D2/D3/D4/D5/D6/L6.TXT")
    tree.pop("/D1/D2/D3/D4/D5/D6")
    tree.pop("/FRAG/F00.BIN")
    big = bytearray(tree["/FRAG/BIG.BIN"])
    big[1000:6000] = pattern(5000, 2)
    tree["/FRAG/BIG.BIN"] = bytes(big)
    tree["/HELLO.TXT"] += b"appended by the guest\n"
    tree["/NOTES.TXT"] = b"short now\n"
    rename("/D1/D2/D3", "/GUEST/D3")
    # /TMP1 and /GUEST/HUGE.BIN come and go: nothing of them is left.
    return tree


def check(image, model_path):
    with open(model_path) as f:
        model = json.load(f)
    tree = {p: (None if d is None else bytes.fromhex(d)) for p, d in model["tree"].items()}
    long_names = model["long"]
    want = script(tree)
    fsck = subprocess.run(["fsck.fat", "-n", image], capture_output=True, text=True)
    if fsck.returncode != 0:
        sys.exit("fat_files: fsck.fat -n finds the image unclean:\n" + fsck.stdout + fsck.stderr)
    got = Fat12(image).tree()
    bad = []
    for p in sorted(set(want) | set(got)):
        if p not in got:
            bad.append("missing " + p)
        elif p not in want:
            bad.append("not expected " + p)
        elif want[p] != got[p]:
            bad.append("differs " + p + (" (a directory)" if None in (want[p], got[p]) else
                                         " (%d bytes, %d expected)" % (len(got[p]), len(want[p]))))
    if bad:
        sys.exit("fat_files: the image is not what the guest's script makes:\n  " + "\n  ".join(bad[:30]))

    # mtools' view: the listing (long names where there were, and still are) and every file's bytes.
    def shown(p):
        out, cur = [], ""
        for part in p.strip("/").split("/"):
            cur += "/" + part
            out.append(long_names.get(cur, part))
        return "::/" + "/".join(out)
    moved = {"/D1/D2/D3": "/GUEST/D3"}
    for a, b in moved.items():  # the guest's rename keeps no long name (none there)
        for p in list(long_names):
            if p.startswith(a + "/"):
                long_names[b + p[len(a):]] = long_names.pop(p)
    listing = subprocess.run(["mdir", "-/", "-b", "-i", image, "::/"], check=True, env=ENV,
                             capture_output=True, text=True).stdout.splitlines()
    expect = sorted(shown(p) + ("/" if d is None else "") for p, d in want.items())
    if sorted(listing) != expect:
        sys.exit("fat_files: mdir -/ -b lists\n  %s\nnot\n  %s" % (sorted(listing), expect))
    for p, d in want.items():
        if d is None:
            continue
        out = subprocess.run(["mtype", "-i", image, "::" + p], check=True, env=ENV,
                             capture_output=True).stdout
        if out != d:
            sys.exit("fat_files: mtype ::%s gives %d bytes, not the %d expected" % (p, len(out), len(d)))
    print("fat_files: %s: fsck.fat -n clean; %d files and %d directories as the guest's script makes them "
          "(mdir listing, mtype contents, the image read here)"
          % (model["kind"], sum(d is not None for d in want.values()), sum(d is None for d in want.values())))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "make" and sys.argv[3] in LABELS:
        make(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
