#!/usr/bin/python3
"""
proxy.py: an adversarial TCP proxy for sotto's integration tests.  It sits
between a joiner and a host on 127.0.0.1, forwards both directions while
cutting the byte stream into sotto frames, and applies one attack to one
chosen frame.

Frame: u8 version (1), u8 type, u32 big-endian payload length, payload.
Types: 0x01-0x04 handshake, 0x05-0x06 challenge and proof, 0x08-0x0a
resumption, 0x0f abort, 0x10 encrypted record.

    proxy.py --connect 127.0.0.1:PORT [--listen-port 0]
             [--action none|flip|replay|swap|reflect|drop|stall|cut]
             [--direction c2s|s2c] [--type 0x10] [--nth N] [--dump FILE]
             [--outage SECONDS]

The attack hits the Nth frame (1-based, counted over the proxy's whole
life) of the given type travelling in the given direction (c2s: from the
joiner to the host; s2c: back):

    flip     flip one bit in the middle of the payload
    replay   forward it, then forward it again
    swap     hold it and forward it after the next frame of that direction
    reflect  send it back to its sender instead of forwarding it
    drop     do not forward it
    stall    forward nothing more in that direction from it on, but keep
             both connections open (a peer that stops mid-handshake)
    cut      close both connections instead of forwarding it

With --outage SECONDS, each SIGUSR1 starts an outage: every connection
through the proxy is dropped at once (a TCP reset both ways), and the
proxy stops listening, so new connections are refused, for SECONDS; then
it listens again on the same port and forwards as before.  It prints
"proxy outage begins" and "proxy outage ends" on stdout.

Prints "proxy listening on 127.0.0.1:PORT" on stdout once ready, and one
line per frame and per event on stderr.  --dump appends every byte that
passes, both directions, to FILE.  An end of file is passed on as a
half-close, so sotto's lingering close works through the proxy.  Bytes
that do not parse as a frame header are forwarded untouched from there on.
"""

import argparse
import asyncio
import signal
import sys
import time

HDR = 6
KNOWN = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0f, 0x10}
MAX_PAYLOAD = 65536 + 1 + 17


T0 = time.monotonic()


def log(*a):
    print("proxy: [%.3f]" % (time.monotonic() - T0), *a, file=sys.stderr, flush=True)


class Attack:
    def __init__(self, action, direction, ftype, nth):
        self.action, self.direction, self.ftype, self.nth = action, direction, ftype, nth
        self.seen = 0
        self.done = False

    def hits(self, direction, ftype):
        if self.action == "none" or self.done:
            return False
        if direction != self.direction or ftype != self.ftype:
            return False
        self.seen += 1
        if self.seen == self.nth:
            self.done = True
            return True
        return False


class Session:
    """One joiner connection and its connection to the host."""

    def __init__(self, n, args, attack, dump):
        self.n, self.args, self.attack, self.dump = n, args, attack, dump
        self.writers = {}
        self.closed = False

    def write(self, side, data):
        if self.dump:
            self.dump.write(data)
            self.dump.flush()
        w = self.writers[side]
        if not w.is_closing():
            w.write(data)

    def close_all(self, rst=False):
        self.closed = True
        for w in self.writers.values():
            try:
                w.transport.abort() if (rst or self.args.cut_rst) else w.close()
            except Exception:
                pass

    async def pump(self, direction, reader, dst):
        src = "c" if dst == "s" else "s"
        held = None	# a frame held back by 'swap'
        stalled = False
        count = 0
        try:
            while not self.closed:
                try:
                    hdr = await reader.readexactly(HDR)
                except asyncio.IncompleteReadError as e:
                    if e.partial:
                        self.write(dst, e.partial)
                    break
                ver, ftype = hdr[0], hdr[1]
                plen = int.from_bytes(hdr[2:6], "big")
                if ver != 1 or ftype not in KNOWN or plen > MAX_PAYLOAD:
                    log("#%d %s: not a frame header %s; raw from here" %
                        (self.n, direction, hdr.hex()))
                    self.write(dst, hdr)
                    while True:
                        data = await reader.read(65536)
                        if not data:
                            break
                        self.write(dst, data)
                    break
                try:
                    payload = await reader.readexactly(plen)
                except asyncio.IncompleteReadError as e:
                    log("#%d %s: frame cut short (%d of %d bytes)" %
                        (self.n, direction, len(e.partial), plen))
                    self.write(dst, hdr + e.partial)
                    break
                count += 1
                frame = hdr + payload
                hit = self.attack.hits(direction, ftype)
                log("#%d %s frame %d type 0x%02x len %d%s" %
                    (self.n, direction, count, ftype, plen,
                     (" <- " + self.attack.action) if hit else ""))
                if stalled:
                    continue
                if held is not None:
                    self.write(dst, frame)
                    self.write(dst, held)
                    held = None
                    continue
                if not hit:
                    self.write(dst, frame)
                    continue
                act = self.attack.action
                if act == "flip":
                    b = bytearray(frame)
                    i = HDR + plen // 2 if plen else 1
                    b[i] ^= 0x01
                    self.write(dst, bytes(b))
                elif act == "replay":
                    self.write(dst, frame)
                    self.write(dst, frame)
                elif act == "swap":
                    held = frame
                elif act == "reflect":
                    self.write(src, frame)
                elif act == "drop":
                    pass
                elif act == "stall":
                    stalled = True
                elif act == "cut":
                    self.close_all()
                    break
            if held is not None and not self.closed:
                self.write(dst, held)
            w = self.writers[dst]
            if not w.is_closing() and w.can_write_eof():
                try:
                    await w.drain()
                    w.write_eof()
                except (ConnectionError, OSError):
                    pass
            log("#%d %s: end of stream" % (self.n, direction))
        except (ConnectionError, OSError) as e:
            log("#%d %s: %s" % (self.n, direction, e))
            self.close_all()

    async def run(self, creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection(self.args.host, self.args.port)
        except OSError as e:
            log("#%d cannot connect to the host: %s" % (self.n, e))
            cwriter.close()
            return
        self.writers = {"c": cwriter, "s": swriter}
        await asyncio.gather(self.pump("c2s", creader, "s"),
                             self.pump("s2c", sreader, "c"))
        for w in self.writers.values():
            try:
                w.close()
            except Exception:
                pass
        log("#%d closed" % self.n)


async def amain(args):
    attack = Attack(args.action, args.direction, args.type, args.nth)
    dump = open(args.dump, "ab") if args.dump else None
    counter = [0]
    sessions = set()
    state = {"server": None, "port": args.listen_port, "outage": False}

    async def on_client(r, w):
        counter[0] += 1
        log("#%d accepted" % counter[0])
        if state["outage"]:
            w.transport.abort()
            return
        s = Session(counter[0], args, attack, dump)
        sessions.add(s)
        try:
            await s.run(r, w)
        finally:
            sessions.discard(s)

    async def listen():
        state["server"] = await asyncio.start_server(on_client, "127.0.0.1",
                                                     state["port"])
        state["port"] = state["server"].sockets[0].getsockname()[1]

    async def outage():
        if state["outage"]:
            return
        state["outage"] = True
        state["server"].close()
        for s in list(sessions):
            s.closed = True
            for w in s.writers.values():
                try:
                    w.transport.abort()
                except Exception:
                    pass
        print("proxy outage begins", flush=True)
        log("outage for %g s" % args.outage)
        await asyncio.sleep(args.outage)
        # The old listening socket may take a moment to go.
        for _ in range(100):
            try:
                await listen()
                break
            except OSError:
                await asyncio.sleep(0.1)
        state["outage"] = False
        print("proxy outage ends", flush=True)
        log("outage over")

    await listen()
    if args.outage is not None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1,
                                lambda: asyncio.ensure_future(outage()))
    print("proxy listening on 127.0.0.1:%d" % state["port"], flush=True)
    while True:
        await asyncio.sleep(3600)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--connect", required=True, help="HOST:PORT of the sotto host")
    ap.add_argument("--listen-port", type=int, default=0)
    ap.add_argument("--action", default="none",
                    choices=["none", "flip", "replay", "swap", "reflect", "drop", "stall",
                             "cut"])
    ap.add_argument("--direction", default="c2s", choices=["c2s", "s2c"])
    ap.add_argument("--type", type=lambda s: int(s, 0), default=0x10)
    ap.add_argument("--nth", type=int, default=1)
    ap.add_argument("--cut-rst", action="store_true",
                    help="cut with a TCP reset instead of a FIN")
    ap.add_argument("--dump")
    ap.add_argument("--outage", type=float, default=None,
                    help="on SIGUSR1, drop every connection and refuse new "
                    "ones for this many seconds")
    args = ap.parse_args()
    host, _, port = args.connect.rpartition(":")
    args.host, args.port = host, int(port)
    try:
        asyncio.run(amain(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
