#!/bin/bash
# bench/bcast.sh: issue 9 finding 2 at full scale -- in each of 3 rooms,
# 1,000 links that join and never read again, and 3 MiB broadcast into
# each room -- while two links of a legitimate room ping each other every
# 10 ms.  Prints the relay's RSS idle (all links joined, before the
# broadcast), at its peak (VmRSS sampled every 10 ms) and the difference,
# and the legitimate room's ping p50/p99/max during the attack, next to
# the unfixed relay's figures quoted from the issue.  A benchmark, not a
# test: it prints figures and never judges them; about 30 s a case.
#
#   nice bash bench/bcast.sh                  # 3 rooms x 1,000 links
#   BCAST_ROOMS=1 nice bash bench/bcast.sh    # the issue's one-room case
#   BCAST_BASELINE=/work/main/build/sotto nice bash bench/bcast.sh
#       # the same attack on another (e.g. unfixed) binary as well, same run
#
# The attack comes from 127.0.0.1 only, so the relay's per-address limits
# are lifted with its own flags (--max-per-address 0, --member-rate 0;
# --no-puzzle, --no-log); the output budget is left at its default
# unless BCAST_RELAY_FLAGS adds one.  The binary is $SOTTO_BIN, else
# $SOTTO_BUILD_DIR/sotto, else build/sotto; the attacker is
# tests/tools/bcast_load beside it (tests/integration/tools/bcast_load.c).
# Loopback only; every run is bounded (the tool stops itself, and
# `timeout` stops it if it doesn't).
set -u
cd "$(dirname "$0")/.."
BUILD=${SOTTO_BUILD_DIR:-build}
SOTTO=${SOTTO_BIN:-$BUILD/sotto}
TOOL=$BUILD/tests/tools/bcast_load
ROOMS=${BCAST_ROOMS:-3}
LINKS=${BCAST_LINKS:-1000}
BYTES=${BCAST_BYTES:-3145728}
SECS=${BCAST_SECONDS:-12}
for f in "$SOTTO" "$TOOL"; do
	if [ ! -x "$f" ]; then
		echo "bcast.sh: $f is missing: cmake -S . -B $BUILD &&" \
		    "cmake --build $BUILD" >&2
		exit 2
	fi
done
# Each link is a descriptor in the tool and one in the relay.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TMP=$(mktemp -d /tmp/sotto-bcast.XXXXXX)
relay_pid=
cleanup() {
	[ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

echo "bench_bcast: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs," \
    "Linux $(uname -r), open file limit $(ulimit -n);" \
    "$ROOMS rooms x $LINKS non-reading links, $BYTES bytes into each"

# run LABEL BINARY [relay flags...]: one case; prints its summary line.
run() {
	local label=$1 bin=$2 port i
	shift 2
	port=$(python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$TMP/$label"
	"$bin" relay --listen 127.0.0.1 --port "$port" \
	    --state-dir "$TMP/$label" --no-log --no-puzzle \
	    --max-per-address 0 --member-rate 0 "$@" \
	    2>"$TMP/$label/relay.log" &
	relay_pid=$!
	for i in $(seq 100); do
		grep -q "listening on" "$TMP/$label/relay.log" && break
		sleep 0.1
	done
	timeout $((SECS + 180)) "$TOOL" --port "$port" --rooms "$ROOMS" \
	    --links "$LINKS" --bytes "$BYTES" --relay-pid "$relay_pid" \
	    --idle 3 --seconds "$SECS" >"$TMP/$label/out" 2>"$TMP/$label/err"
	kill "$relay_pid" 2>/dev/null
	wait "$relay_pid" 2>/dev/null
	relay_pid=
	grep '^bcast_load ' "$TMP/$label/out" | sed "s/^bcast_load/$label/" \
	    >"$TMP/$label/sum"
	cat "$TMP/$label/sum"
	echo "  relay: $(grep -c 'not reading' "$TMP/$label/relay.log")" \
	    "dropped as not reading, $(grep -o 'dropped [0-9]* links' \
	    "$TMP/$label/relay.log" | awk '{ n += $2 } END { print n + 0 }')" \
	    "for the output budget"
}

# field FILE KEY: one key=value of a summary.
field() {
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"
}

table_row() {
	local s=$TMP/$1/sum idle peak
	idle=$(field "$s" idle_rss_kb)
	peak=$(field "$s" peak_rss_kb)
	printf "%-10s %9.1f %9.1f %9.1f %8s %8s %8s %7s %s\n" "$1" \
	    "$(echo "$idle / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" \
	    "$(echo "($peak - $idle) / 1024" | bc -l)" "$(field "$s" p50_ms)" \
	    "$(field "$s" p99_ms)" "$(field "$s" max_ms)" \
	    "$(field "$s" dropped)" "ok=$(field "$s" ok)"
}

# shellcheck disable=SC2086
run fixed "$SOTTO" ${BCAST_RELAY_FLAGS:-}
cases=fixed
if [ -n "${BCAST_BASELINE:-}" ]; then
	run baseline "$BCAST_BASELINE"
	cases="fixed baseline"
fi

echo
printf "%-10s %9s %9s %9s %8s %8s %8s %7s\n" case "idle MiB" "peak MiB" \
    "delta MiB" "p50 ms" "p99 ms" "max ms" dropped
for c in $cases; do
	table_row "$c"
done
echo "unfixed (issue 9, finding 2): 1,069 MiB RSS for one room of 1,000" \
    "non-reading links, 1.9 GiB for three; wanted: within 128 MiB of idle," \
    "legitimate p99 under 100 ms"
