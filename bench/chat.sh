#!/bin/bash
# bench/chat.sh: one 1:1 chat between two real sotto processes on
# 127.0.0.1 -- throughput and one-at-a-time latency of 100-byte messages
# (bench/chat.py) -- next to the per-message cost of the classic chat.py
# scripts, PBKDF2-HMAC-SHA256 with 100,000 iterations, measured in the
# same run.  A benchmark, not a test: it prints figures and never judges
# them; every part is bounded in count and time (about a minute in all).
#
#   bash bench/chat.sh [chat.py options]     # e.g. --messages 50000
#
# The binary is $SOTTO_BIN, else $SOTTO_BUILD_DIR/sotto, else build/sotto.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
bin=${SOTTO_BIN:-${SOTTO_BUILD_DIR:-$src/build}/sotto}

echo "bench_chat: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $("$bin" --version 2>&1)," \
    "$(nproc) CPUs, Linux $(uname -r), $(/usr/bin/python3 --version)"

echo "classic scripts: PBKDF2-HMAC-SHA256, 100000 iterations, 5 runs:"
/usr/bin/python3 -c '
import hashlib, time
ms = []
for _ in range(5):
    t = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"pw", b"salt" * 4, 100000)
    ms.append((time.perf_counter() - t) * 1000)
ms.sort()
print("  runs (ms): " + " ".join("%.1f" % m for m in ms))
m = ms[len(ms) // 2]
print("  median %.1f ms per derivation; each side derives once per message:"
      % m)
print("  ceiling %.1f messages/s per pair (pipelined), latency >= %.1f ms"
      " (sender, then receiver)" % (1000 / m, 2 * m))
'

exec /usr/bin/python3 -B "$here/chat.py" --bin "$bin" "$@"
