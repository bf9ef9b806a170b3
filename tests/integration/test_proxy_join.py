#!/usr/bin/python3
"""
test_proxy_join: a direct 1:1 'sotto join' through a SOCKS5 proxy
(issue 11, proxies and Tor).

microsocks runs on 127.0.0.1 with '-b 127.0.0.2', so that what it
connects to sees 127.0.0.2.  Proves:
- 'join --proxy socks5h://127.0.0.1:PORT' chats both ways, and the host
  sees the joiner at 127.0.0.2: nothing bypassed the proxy;
- the proxy's restart cuts the chat, and the joiner reconnects through
  the proxy again (the non-blocking dialer; the new microsocks logs the
  connection to the host) and resumes: '* reconnected', the chat goes
  on;
- a proxy that wants credentials we don't give (microsocks -u/-P; sotto
  then sends random isolation credentials) is a clear error, exit 4;
  the same proxy with 'proxy = socks5h://USER:PASS@...' in the config
  file (mode 0600) works, without a warning;
- a proxy refusing the CONNECT (reply 5) or unable to reach a name
  (reply 4) gives exit 4 and the reply's meaning; the name went to the
  proxy as a name (ATYP 3), never resolved here;
- ALL_PROXY is used when nothing else is set, and --no-proxy and
  '--proxy none' override it; a non-SOCKS URL is a usage error (exit 2).
"""
import os
import re
import signal
import time

import sotto_harness as h

LOST = r"^\* connection lost; reconnecting\u2026$"


def peer_addr(host, name):
    m = host.wait_line(r"^\* connected to %s \(([0-9.]+):\d+\)" % name,
                       what="'* connected to %s (ADDR:PORT)'" % name)
    return m.group(1)


def run_join(t, party, args, env_extra=None, label="join"):
    env = party.env()
    env.update(env_extra or {})
    return t.spawn(label, [t.bin, "join"] + args, env)


def scenario(t):
    alice, bob = t.party("alice"), t.party("bob")
    ms, mport = t.microsocks()
    url = h.socks_url(mport)

    # The chat through the proxy; the host sees the proxy's address.
    host, port = t.host(alice)
    join = t.join(bob, port, "--plain", "--proxy", url)
    h.establish(t, host, join, alice, bob)
    t.check(peer_addr(host, "bob") == h.PROXY_SOURCE,
            "the host saw bob at %s, not at the proxy's %s"
            % (peer_addr(host, "bob"), h.PROXY_SOURCE))
    join.send("hello through the proxy")
    host.wait_messages("bob", 1)
    host.send("hello back")
    join.wait_messages("alice", 1)

    # The proxy restarts: the chat is cut, and resumes through it.
    h.signal_proc(ms, signal.SIGKILL)
    ms.wait_exit(5)
    join.wait_line(LOST, timeout=40, what="the joiner's lost notice")
    ms, _ = t.microsocks(port=mport, label="microsocks-again")
    join.wait_line(r"^\* reconnected$", timeout=60, what="'* reconnected' (joiner)")
    host.wait_line(r"^\* reconnected$", timeout=20, what="'* reconnected' (host)")
    t.check("connected to 127.0.0.1:%d" % port in ms.stderr_text(),
            "the reconnection did not go through the proxy: %r" % ms.stderr_text())
    join.send("after the proxy's restart")
    host.wait_messages("bob", 2, timeout=20)
    t.check(host.messages_from("bob") == ["hello through the proxy",
                                          "after the proxy's restart"],
            "the host got %r" % host.messages_from("bob"))
    join.send("/quit")
    join.expect_exit(h.EXIT_OK, timeout=15, why="bob quit")
    host.expect_exit(h.EXIT_OK, timeout=15, why="bob left, --once")

    # A proxy that wants a user name and password.
    ams, aport = t.microsocks("-u", "sotto-user", "-P", "s3cret pass", label="microsocks-auth")
    host, port = t.host(alice)
    bad = t.join(bob, port, "--plain", "--proxy", h.socks_url(aport))
    bad.expect_exit(h.EXIT_CONN, timeout=30, why="the proxy refused our credentials")
    t.check("refused the user name and password" in bad.stderr_text(),
            "no clear message for the refused credentials: %r" % bad.stderr_text())
    # In the config file (percent-encoded), it works, and quietly.
    os.makedirs(bob.sotto_dir, exist_ok=True)
    cfg = os.path.join(bob.sotto_dir, "config")
    with os.fdopen(os.open(cfg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write("proxy = %s\n" % h.socks_url(aport, "sotto-user:s3cret%20pass@"))
    good = t.join(bob, port, "--plain")
    h.establish(t, host, good, alice, bob)
    t.check(peer_addr(host, "bob") == h.PROXY_SOURCE, "through the config's proxy, "
            "the host did not see the proxy's address")
    t.check("warning" not in good.stderr_text(), "a warning for the config file's "
            "credentials: %r" % good.stderr_text())
    good.send("/quit")
    good.expect_exit(h.EXIT_OK, timeout=15, why="bob quit")
    host.expect_exit(h.EXIT_OK, timeout=15, why="--once")
    os.unlink(os.path.join(bob.sotto_dir, "config"))
    # On the command line it works too, with a warning about argv.
    host, port = t.host(alice)
    argv = t.join(bob, port, "--plain", "--proxy",
                  h.socks_url(aport, "sotto-user:s3cret%20pass@"))
    h.establish(t, host, argv, alice, bob)
    t.check("other users of this machine can see it" in argv.stderr_text(),
            "no warning for credentials on the command line: %r" % argv.stderr_text())
    argv.send("/quit")
    argv.expect_exit(h.EXIT_OK, timeout=15, why="bob quit")
    host.expect_exit(h.EXIT_OK, timeout=15, why="--once")

    # A proxy that refuses the CONNECT, then one that can't reach a name.
    fake = h.FakeSocks(reply=0x05)
    t.cleanups.append(fake.close)
    p = t.join(bob, 9, "--plain", "--proxy", h.socks_url(fake.port))
    p.expect_exit(h.EXIT_CONN, timeout=20, why="the proxy refused the CONNECT")
    t.check(re.search(r"could not connect to 127\.0\.0\.1 port 9: connection refused.*"
                      r"\(SOCKS5 reply 5\)", p.stderr_text()),
            "no clear message for reply 5: %r" % p.stderr_text())
    t.check(fake.requests[-1][1:] == (1, "127.0.0.1", 9),
            "the proxy was asked for %r" % (fake.requests[-1],))
    # Random isolation credentials were offered (no credentials given).
    t.check(2 in fake.requests[-1][0], "no user/password method offered: %r"
            % (fake.requests[-1],))
    fake.reply = 0x04
    p = t.join(bob, 65000, "--plain", "--proxy", h.socks_url(fake.port),
               addr="nowhere.invalid")
    p.expect_exit(h.EXIT_CONN, timeout=20, why="the proxy could not reach the name")
    t.check("host unreachable" in p.stderr_text() and "nowhere.invalid" in p.stderr_text(),
            "no clear message for reply 4: %r" % p.stderr_text())
    t.check(fake.requests[-1][1:] == (3, "nowhere.invalid", 65000),
            "the name did not go to the proxy as a name: %r" % (fake.requests[-1],))

    # ALL_PROXY when nothing else says; --no-proxy and --proxy none win.
    n = len(fake.requests)
    env = {"ALL_PROXY": h.socks_url(fake.port)}
    p = run_join(t, bob, ["127.0.0.1:9", "--plain", "--password-file",
                          bob.password_file], env)
    p.expect_exit(h.EXIT_CONN, timeout=20, why="ALL_PROXY's proxy refused")
    t.check(len(fake.requests) == n + 1, "ALL_PROXY was not used")
    for opt in (["--no-proxy"], ["--proxy", "none"]):
        p = run_join(t, bob, ["127.0.0.1:9", "--plain", "--password-file",
                              bob.password_file] + opt, env)
        p.expect_exit(h.EXIT_CONN, timeout=20, why="a direct connection to a closed port")
        t.check("cannot connect to 127.0.0.1 port 9" in p.stderr_text(),
                "%s: not a direct connection: %r" % (opt, p.stderr_text()))
    t.check(len(fake.requests) == n + 1, "--no-proxy / --proxy none still used the proxy")
    p = t.join(bob, 9, "--plain", "--proxy", "http://127.0.0.1:3128")
    p.expect_exit(h.EXIT_USAGE, timeout=10, why="an HTTP proxy URL")
    t.check("only SOCKS5" in p.stderr_text(), "no clear message for http://: %r"
            % p.stderr_text())


h.main(scenario, budget=170)
