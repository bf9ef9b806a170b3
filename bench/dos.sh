#!/bin/bash
# bench/dos.sh: the relay under the attacks of issue 9 (findings 1 and
# 3) at full scale -- 20,000 silent connections from one address and from
# 200, 4,000 concurrent junk handshakes with and without the attacker
# paying the puzzle -- next to the same room with no attack, measured in
# the same run, and the unfixed relay's figures quoted from the issue
# (bench/dos.py says how each figure is taken).  A benchmark, not a test:
# it prints figures and never judges them; about a minute per case.
#
#   nice bash bench/dos.sh                 # DOS_CASES="calm junk" to pick
#
# The binary is $SOTTO_BIN, else $SOTTO_BUILD_DIR/sotto, else build/sotto;
# the attacker is bench_flood beside it (bench/flood.c).
set -u
here=$(cd "$(dirname "$0")" && pwd)
echo "bench_dos: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs," \
    "Linux $(uname -r), open file limit $(ulimit -Hn)"
exec /usr/bin/python3 -B "$here/dos.py" "$@"
