# shellcheck shell=bash disable=SC2034  # NODE_PORT etc. are for the caller
# bench/benchlib.sh: shell helpers shared by the cluster benchmarks
# (bench/cluster.sh, bench/idle_cluster.sh); sourced, not run.  The
# caller sets BENCH (its name, for messages) and TMP (its temp dir), and
# may set SOTTO_BIN (the sotto binary) or SOTTO_BUILD_DIR (default
# build: sotto and bench/bench_fanout in it).

BUILD=${SOTTO_BUILD_DIR:-build}
SOTTO=${SOTTO_BIN:-$BUILD/sotto}
DRIVER=$BUILD/bench/bench_fanout
NATS_SERVER=${NATS_SERVER:-nats-server}

# Checks the binaries (sotto, bench_fanout, nats-server) are there.
bench_check_bins() {
	local f
	for f in "$SOTTO" "$DRIVER"; do
		if [ ! -x "$f" ]; then
			echo "$BENCH: $f is missing: cmake -S . -B $BUILD &&" \
			    "cmake --build $BUILD (or set SOTTO_BIN /" \
			    "SOTTO_BUILD_DIR)" >&2
			exit 2
		fi
	done
	if ! command -v "$NATS_SERVER" >/dev/null; then
		echo "$BENCH: nats-server is not installed" \
		    "(apt-get install nats-server)" >&2
		exit 2
	fi
}

# Waits up to $3 s (default 10) for a line matching $2 in file $1;
# prints the match.
bench_wait_for() {
	local i
	for i in $(seq $(( ${3:-10} * 10 ))); do
		if grep -m1 -o "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "$BENCH: no '$2' in $1:" >&2
	tail -20 "$1" >&2
	return 1
}

bench_free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# User + system CPU seconds of pid $1 (/proc/PID/stat), or -1.
bench_cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, "")
	    printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat" \
	    2>/dev/null || echo -1
}

# VmRSS of pid $1 in kB, or -1.
bench_rss_kb() {
	awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print -1 }' \
	    "/proc/$1/status" 2>/dev/null || echo -1
}

# The machine, for the top of a report.
bench_machine() {
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo |
	    sed 's/.*: //'), $(awk '/MemTotal/ { printf "%.0f GiB", \
	    $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "- $("$NATS_SERVER" --version 2>/dev/null | head -1)," \
	    "libsodium $(dpkg-query -W -f '${Version}' libsodium23 \
	    2>/dev/null || echo '?')"
	echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" \
	    "(anything else running skews the figures)"
	echo "- open files limit: $(ulimit -n)"
}

# A cluster: its own nats-server -js on 127.0.0.1 (store in $1/nats) and
# $2 relay nodes sharing one relay key, each `sotto relay --nats URL
# --node N` on a port of its own with admission limits off (this
# measures the relays; bench/dos.sh measures the limits), and
# RELAY_EXTRA options.  Sets NATS_PID, NODE_PID[1..$2], NODE_PORT[1..$2].
# $2 = 0: one relay without --nats (NODE_PID[1], no nats-server).
bench_cluster_start() {
	local dir=$1 n=$2 i nport url nodes=$2
	mkdir -p "$dir"
	NATS_PID=
	NODE_PID=()
	NODE_PORT=()
	url=
	if [ "$n" -gt 0 ]; then
		nport=$(bench_free_port)
		mkdir -p "$dir/nats"
		"$NATS_SERVER" -js -a 127.0.0.1 -p "$nport" -sd "$dir/nats" \
		    >"$dir/nats.log" 2>&1 &
		NATS_PID=$!
		bench_wait_for "$dir/nats.log" 'Server is ready' 20 >/dev/null
		url=nats://127.0.0.1:$nport
	else
		nodes=1
	fi
	for i in $(seq "$nodes"); do
		mkdir -p "$dir/node$i"
		chmod 700 "$dir/node$i"
		if [ "$i" = 1 ]; then
			"$SOTTO" relay --fingerprint --state-dir "$dir/node1" \
			    >/dev/null
		else
			cp -p "$dir/node1/identity" "$dir/node$i/identity"
		fi
		# shellcheck disable=SC2086
		"$SOTTO" relay --listen 127.0.0.1 --port 0 \
		    --state-dir "$dir/node$i" --max-per-address 0 \
		    --member-rate 0 --no-puzzle \
		    ${url:+--nats "$url" --node "$i"} ${RELAY_EXTRA:-} \
		    </dev/null 2>"$dir/node$i.log" &
		NODE_PID[i]=$!
		NODE_PORT[i]=$(bench_wait_for "$dir/node$i.log" \
		    'listening on 127\.0\.0\.1:[0-9]*' | sed 's/.*://')
		[ -z "$url" ] || bench_wait_for "$dir/node$i.log" \
		    'connected to NATS' 20 >/dev/null
	done
	sleep 0.5	# all idle before the baseline is read
}

# Stops the nodes, then nats-server; notes any node's warnings or errors.
bench_cluster_stop() {
	local dir=$1 p n f
	for p in "${NODE_PID[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${NODE_PID[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${NATS_PID:-}" ]; then
		kill "$NATS_PID" 2>/dev/null || true
		wait "$NATS_PID" 2>/dev/null || true
	fi
	for f in "$dir"/node*.log; do
		[ -f "$f" ] || continue
		n=$(grep -c -E ' (warn|error) ' "$f" || true)
		[ "$n" = 0 ] || { echo "[$BENCH] $f: $n warnings/errors," \
		    "e.g.:" >&2; grep -m3 -E ' (warn|error) ' "$f" >&2; }
	done
	NODE_PID=()
	NATS_PID=
}
