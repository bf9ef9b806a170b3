#!/usr/bin/python3
"""
natsproxy.py: a TCP proxy between one relay node and its nats-server, on
127.0.0.1, that loses bus messages on demand, as a NATS route that fails
loses them while neither client's own connection drops
(test_cluster_buslost).

    natsproxy.py --connect PORT --match TEXT [--drop N] [--min-size BYTES]
                 [--stall MS]

Forwards both directions.  What the client sends is read as the NATS
client protocol (lines ending CRLF; 'PUB subject [reply] size' and
'HPUB subject [reply] hsize size' followed by size bytes and CRLF); every
other line is passed on as it is.  Each SIGUSR1 arms it: the next N (1)
PUBs whose subject contains TEXT and whose payload has at least BYTES
(0) are not forwarded, and for each one it prints "natsproxy dropped PUB
<subject> <size>" on stdout; it prints "natsproxy passed PUB <subject>
<size>" for those it lets by while armed.  With --stall, an armed PUB is
not dropped but held, with everything its client sends after it, for MS
milliseconds, as a JetStream that is slow to answer (test_cluster_claim):
it prints "natsproxy stalled PUB <subject> <size>" when it starts holding
and "natsproxy released PUB <subject> <size>" when it lets it go.

Prints "natsproxy listening on 127.0.0.1:PORT" on stdout once ready.
Stops by itself after --lifetime seconds (300).
"""

import argparse
import asyncio
import signal
import sys

MAX_LINE = 4096
MAX_PAYLOAD = 8 * 1024 * 1024


class State:
    def __init__(self, match, drop, min_size, stall):
        self.match = match.encode("ascii")
        self.drop = drop
        self.min_size = min_size
        self.stall = stall
        self.armed = 0


async def client_to_server(st, reader, writer):
    """Parses the client's protocol; drops (or holds) the armed PUBs."""
    while True:
        line = await reader.readuntil(b"\r\n")
        if len(line) > MAX_LINE:
            raise ValueError("line too long")
        words = line.split()
        if words and words[0].upper() in (b"PUB", b"HPUB"):
            size = int(words[-1])
            if size < 0 or size > MAX_PAYLOAD:
                raise ValueError("bad size")
            payload = await reader.readexactly(size + 2)
            if st.armed > 0 and st.match in words[1]:
                subject = words[1].decode("ascii", "replace")
                if size >= st.min_size and st.stall > 0:
                    st.armed -= 1
                    print("natsproxy stalled PUB %s %d" % (subject, size), flush=True)
                    await asyncio.sleep(st.stall / 1000.0)
                    print("natsproxy released PUB %s %d" % (subject, size), flush=True)
                elif size >= st.min_size:
                    st.armed -= 1
                    print("natsproxy dropped PUB %s %d" % (subject, size), flush=True)
                    continue
                else:
                    print("natsproxy passed PUB %s %d" % (subject, size), flush=True)
                writer.write(line + payload)
                await writer.drain()
                continue
            writer.write(line + payload)
        else:
            writer.write(line)
        await writer.drain()


async def server_to_client(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            return
        writer.write(data)
        await writer.drain()


async def amain(args):
    st = State(args.match, args.drop, args.min_size, args.stall)
    loop = asyncio.get_running_loop()

    def arm():
        st.armed = st.drop
    loop.add_signal_handler(signal.SIGUSR1, arm)

    async def on_client(cr, cw):
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", args.connect)
        except OSError:
            cw.close()
            return
        tasks = [asyncio.ensure_future(client_to_server(st, cr, sw)),
                 asyncio.ensure_future(server_to_client(sr, cw))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            cw.close()
            sw.close()

    server = await asyncio.start_server(on_client, "127.0.0.1", args.listen_port)
    port = server.sockets[0].getsockname()[1]
    print("natsproxy listening on 127.0.0.1:%d" % port, flush=True)
    async with server:
        await asyncio.sleep(args.lifetime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", type=int, required=True)
    ap.add_argument("--listen-port", type=int, default=0)
    ap.add_argument("--match", required=True)
    ap.add_argument("--drop", type=int, default=1)
    ap.add_argument("--min-size", type=int, default=0)
    ap.add_argument("--stall", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()
    try:
        asyncio.run(amain(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
