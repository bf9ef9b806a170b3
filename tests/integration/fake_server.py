"""
fake_server.py: a loopback TCP server that is not sotto, for the
scenarios about pointing sotto at the wrong thing (test_join_wrong_server,
test_tui_join_silent).  Bounded: its thread stops after 60 s or close().
Standard library only.
"""
import socket
import threading
import time

import sotto_harness as h


class Fake:
    """A loopback TCP server that is not sotto: 'http' reads a request
    and answers 400, 'banner' greets at once, 'close' closes at once,
    'silent' accepts and says nothing."""

    def __init__(self, kind):
        self.kind = kind
        self.sock = socket.socket()
        self.sock.bind((h.LOOPBACK, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.held = []
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        end = time.monotonic() + 60
        while not self.stop and time.monotonic() < end:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(2)
            try:
                if self.kind == "http":
                    try:
                        c.recv(4096)
                    except socket.timeout:
                        pass
                    c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                              b"Connection: close\r\n\r\n")
                    c.close()
                elif self.kind == "banner":
                    c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
                    self.held.append(c)
                elif self.kind == "close":
                    c.close()
                else:
                    self.held.append(c)
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.th.join(2)
        for c in self.held:
            c.close()
        self.sock.close()
