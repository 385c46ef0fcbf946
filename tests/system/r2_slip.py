#!/usr/bin/env python3
"""The host's end of r2's SLIP line (tests/system/r2_apps chat), run in a
network namespace of its own (`unshare -n`): a TUN interface sl0, 10.3.3.1
with the guest 10.3.3.2 as its peer, bridged to QEMU's COM2 socket as
slattach bridges a serial line (SLIP, RFC 1055: IPv4 only; what else the
host's stack sends, IPv6 router solicitations, is not for a SLIP line).
The host's own TCP/IP stack is the guest's peer:

  r2_slip.py COM2_SOCKET LOG LINE REPLY

listens on 10.3.3.1:9000 (then says "r2_slip: ready" in LOG: the guest
may start), accepts the guest's connection, expects LINE from it, pings the guest twice through a raw ICMP socket (the replies
checked: type, identifier, sequence, data, checksum), sends REPLY and a
newline, closes and waits for the guest's close (EOF). Exit 0 when all of
that happened; what it saw goes to LOG and standard output.
"""
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from r2_check import connect

END, ESC, ESC_END, ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
HOST, GUEST, PORT = "10.3.3.1", "10.3.3.2", 9000
LIMIT = 200  # seconds for all of it, within the run's own bound (ci/boot --timeout 240)
deadline = time.monotonic() + LIMIT

log_file = None

def left():
    """The seconds left before the deadline; out of time, the end."""
    r = deadline - time.monotonic()
    if r <= 0:
        sys.exit("r2_slip: out of time")
    return r

def say(msg):
    line = f"r2_slip: {msg}"
    print(line, flush=True)
    log_file.write(line + "\n")
    log_file.flush()

def slip_encode(pkt):
    out = bytearray([END])
    for b in pkt:
        out += bytes([ESC, ESC_END]) if b == END else bytes([ESC, ESC_ESC]) if b == ESC else bytes([b])
    out.append(END)
    return bytes(out)

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s

def make_tun():
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"sl0", IFF_TUN | IFF_NO_PI))
    for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "link", "set", "sl0", "up"],
                ["ip", "addr", "add", HOST, "peer", GUEST, "dev", "sl0"]):
        subprocess.run(cmd, check=True)
    return fd

def bridge(tun, com2, stats):
    """Frames from COM2 into the TUN device, packets from it out as frames, until COM2 closes."""
    frame, esc = bytearray(), False
    while True:
        ready, _, _ = select.select([tun, com2], [], [])
        if tun in ready:
            pkt = os.read(tun, 65536)
            if pkt and pkt[0] >> 4 == 4:
                com2.sendall(slip_encode(pkt))
                stats["to_guest"] += 1
        if com2 in ready:
            data = com2.recv(4096)
            if not data:
                return
            for b in data:
                if b == END:
                    if frame:
                        try:
                            os.write(tun, bytes(frame))
                            stats["from_guest"] += 1
                        except OSError as e:  # not an IP packet: line noise, as slattach drops it
                            say(f"dropped a frame of {len(frame)} bytes ({e.strerror})")
                    frame, esc = bytearray(), False
                elif b == ESC:
                    esc = True
                else:
                    frame.append({ESC_END: END, ESC_ESC: ESC}.get(b, b) if esc else b)
                    esc = False

def ping(seq):
    """One echo request of 56 data bytes to the guest; its reply checked whole."""
    ident = os.getpid() & 0xFFFF
    data = bytes((seq * 31 + i) & 0xFF for i in range(56))
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    ck = 0xFFFF - checksum(head + data)
    req = struct.pack("!BBHHH", 8, 0, ck, ident, seq) + data
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        s.settimeout(1.0)
        while left():  # resent each second: the guest may be busy with the conversation
            s.sendto(req, (GUEST, 0))
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                try:
                    reply, addr = s.recvfrom(2048)
                except socket.timeout:
                    break
                ihl = (reply[0] & 0xF) * 4
                icmp = reply[ihl:]
                if addr[0] != GUEST or len(icmp) < 8 or icmp[0] != 0:
                    continue
                _, code, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
                if rid != ident or rseq != seq:
                    continue
                if code != 0 or icmp[8:] != data or checksum(icmp) != 0xFFFF:
                    sys.exit(f"r2_slip: a bad echo reply {icmp.hex()}")
                if checksum(reply[:ihl]) != 0xFFFF:
                    sys.exit("r2_slip: the reply's IPv4 header checksum is wrong")
                say(f"echo reply {seq} from {GUEST}: 56 data bytes, checksums right")
                return

def listener():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen(1)
    return srv

def converse(srv, line, reply):
    srv.settimeout(left())
    conn, addr = srv.accept()
    say(f"connection from {addr[0]}:{addr[1]}")
    got = b""
    while not got.endswith(b"\n"):
        conn.settimeout(left())
        data = conn.recv(1024)
        if not data:
            sys.exit(f"r2_slip: the guest closed before its line (got {got!r})")
        got += data
    say(f"received {got!r}")
    if got != line.encode() + b"\n":
        sys.exit(f"r2_slip: expected {line!r}")
    ping(1)
    ping(2)
    conn.sendall(reply.encode() + b"\n")
    say(f"sent {reply!r}, closing")
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(left())
    rest = conn.recv(1024)  # the guest's FIN: end of file
    if rest:
        sys.exit(f"r2_slip: more from the guest after its line: {rest!r}")
    say("the guest closed its side too")
    conn.close()

def main():
    global log_file
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    path, log, line, reply = sys.argv[1:]
    log_file = open(log, "a")
    tun = make_tun()
    srv = listener()
    com2 = connect(path, 1200, "COM2 socket")
    stats = {"to_guest": 0, "from_guest": 0}
    threading.Thread(target=bridge, args=(tun, com2, stats), daemon=True).start()
    say("ready")
    converse(srv, line, reply)
    say(f"ok: {stats['from_guest']} packets from the guest, {stats['to_guest']} to it")

if __name__ == "__main__":
    main()
