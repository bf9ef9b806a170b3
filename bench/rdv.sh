#!/bin/bash
# bench/rdv.sh: a 1:1 chat through a relay against a direct one, in the
# same run (bench/rdv.py): throughput of 100-byte lines and p99 latency.
# A benchmark, not a test: it prints figures and never judges them.
#
#   nice bash bench/rdv.sh [rdv.py options]     # e.g. --messages 50000
#
# The binary is $SOTTO_BIN, else $SOTTO_BUILD_DIR/sotto, else build/sotto.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
bin=${SOTTO_BIN:-${SOTTO_BUILD_DIR:-$src/build}/sotto}

echo "bench_rdv: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $("$bin" --version 2>&1)," \
    "$(nproc) CPUs, Linux $(uname -r), $(/usr/bin/python3 --version)"
exec /usr/bin/python3 -B "$here/rdv.py" --bin "$bin" "$@"
