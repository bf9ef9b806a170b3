"""
rdv_harness: helpers for the rendezvous scenarios (test_rdv_*): 1:1
chats through a relay with a one-time code (PROTOCOL §21).

    relay, port = t.relay()
    host, code = rdv_host(t, alice, port)
    join = rdv_join(t, bob, code, port)
    h.establish(t, host, join, alice, bob)
"""
import re

import sotto_harness as h

CODE_RE = r"^\* code: (\d+(?:-[a-z]+)+)$"
NEW_CODE_RE = r"^\* someone tried a wrong code; here is a new one: (\d+(?:-[a-z]+)+)$"


def rdv_host(t, party, port, *extra, password_file=True, wait=True):
    """Starts 'sotto host --relay 127.0.0.1:PORT --name NAME
    [--password-file F] EXTRA...'; returns (proc, code) once it printed
    its code (code None if wait is False)."""
    args = ["host", "--relay", "%s:%d" % (h.LOOPBACK, port), "--name", party.name]
    if password_file:
        args += ["--password-file", party.password_file if password_file is True
                 else password_file]
    p = t.sotto(party, args + list(extra), label="host-relay(%s)" % party.name)
    if not wait:
        return p, None
    m = p.wait_line(CODE_RE, what="'* code: N-WORD-WORD'")
    return p, m.group(1)


def rdv_join(t, party, code, port, *extra, password_file=True):
    args = ["join", code, "--relay", "%s:%d" % (h.LOOPBACK, port), "--name", party.name]
    if password_file:
        args += ["--password-file", party.password_file if password_file is True
                 else password_file]
    return t.sotto(party, args + list(extra), label="join-relay(%s)" % party.name)


def tables():
    """The even and odd word tables, from src/core/words.c."""
    import os
    src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "..", "src", "core", "words.c")).read()
    even = re.findall(r'"([a-z]+)"', src.split("words_odd[")[0].split("words_even[")[1])
    odd = re.findall(r'"([a-z]+)"', src.split("words_odd[")[1].split("};")[0])
    assert len(even) == 256 and len(odd) == 256, (len(even), len(odd))
    return even, odd


def wrong_words(code):
    """The same slot with other words (each word's neighbour in its list)."""
    even, odd = tables()
    parts = code.split("-")
    out = [parts[0]]
    for i, w in enumerate(parts[1:]):
        table = even if i % 2 == 0 else odd
        out.append(table[(table.index(w) + 1) % 256])
    return "-".join(out)
