#!/usr/bin/python3
"""
test_rdv_default_relay: the relay can be set once.

Proves (issue 11, "A default relay can be set once"): with 'relay =
127.0.0.1:P' in the host's config file, 'sotto host --relay' (no address)
uses it; with SOTTO_RELAY=127.0.0.1:P in the joiner's environment, 'sotto
join CODE' (no --relay at all) uses it; they chat.  Without either, 'host
--relay' says which settings it looks at and exits with status 2.
"""
import os

import sotto_harness as h
import rdv_harness as r


def scenario(t):
    relay, port = t.relay()
    where = "127.0.0.1:%d" % port
    alice, bob, carol = t.party("alice"), t.party("bob"), t.party("carol")
    os.makedirs(alice.sotto_dir, exist_ok=True)
    with open(os.path.join(alice.sotto_dir, "config"), "w") as f:
        f.write("relay = %s\n" % where)

    host = t.sotto(alice, ["host", "--relay", "--name", alice.name,
                           "--password-file", alice.password_file], label="host(alice)")
    m = host.wait_line(r.CODE_RE, what="the code, through the config's relay")
    code = m.group(1)
    env = bob.env()
    env["SOTTO_RELAY"] = where
    join = t.spawn("join(bob)", [t.bin, "join", code, "--name", bob.name,
                                 "--password-file", alice.password_file], env)
    h.establish(t, host, join, alice, bob)
    join.send("found you")
    t.check(host.wait_messages(bob.name, 1) == ["found you"], "host got %r" % host.messages_from(bob.name))
    join.close_stdin()
    join.expect_exit(h.EXIT_OK)
    host.expect_exit(h.EXIT_OK)

    lost = t.sotto(carol, ["host", "--relay", "--name", carol.name])
    lost.expect_exit(h.EXIT_USAGE, why="no relay given or configured")
    t.check("SOTTO_RELAY" in lost.stderr_text(), "no hint: %r" % lost.stderr_text())


h.main(scenario, budget=60)
