#!/usr/bin/env bash
# cluster.sh: one relay node against two nodes of a cluster, on this
# machine, in one run, with the same room workload (docs/BENCHMARKS.md,
# "Cluster: one node against two").  Each case gets its own nats-server
# -js on 127.0.0.1 (store in a temp dir) and fresh `sotto relay --nats
# URL --node N` nodes sharing one relay key; bench_fanout plays the room,
# its members alternating between the nodes in the two-node case.  CPU
# of every relay node and of nats-server (/proc/PID/stat utime + stime)
# is read over the driver's measured phase.  A plain relay without
# --nats runs the same workload as a reference.
#
#   bash bench/cluster.sh           # N=100, K=10; 3 rounds (about 5 min)
#   bash bench/cluster.sh quick     # N=20, K=3; 1 round (about 15 s)
#   bash bench/cluster.sh table FILE  # the table again, from a kept
#                                     # CLUSTER_RESULTS file
#
# SOTTO_BIN (default $SOTTO_BUILD_DIR/sotto) is the relay; SOTTO_BUILD_DIR
# (default build) holds bench/bench_fanout.  Two workloads per case:
#   links  the receivers skip the group layer (bench_fanout --links-only):
#          the relays set the pace, so their cost per delivery shows;
#   e2e    every receiver verifies and decrypts every message (the driver
#          sets the pace; on 2 vCPUs it competes with the relays).
# The cases run interleaved, round by round, so that a machine that
# changes speed moves them all.  A benchmark, not a test: it prints
# figures and never judges them; every driver phase stops itself after
# CLUSTER_TIME_LIMIT seconds (default 120).
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH=cluster.sh
MODE=${1:-full}
case $MODE in
full | quick | table) ;;
*)
	echo "usage: bash bench/cluster.sh [quick | table FILE]" >&2
	exit 2
	;;
esac
. bench/benchlib.sh
LIMIT=${CLUSTER_TIME_LIMIT:-120}

# The table of a results file (CASE lines), in Markdown: median of the
# rounds, each round's deliveries/s in brackets.
table() {
	awk '
	# kv(key): the value of key=value on the current line.
	function kv(key,   i, e) {
		for (i = 1; i <= NF; i++) {
			e = index($i, "=")
			if (substr($i, 1, e - 1) == key)
				return substr($i, e + 1)
		}
		return ""
	}
	function med(list,   a, n, i, j, t) {
		n = split(list, a, ",")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		if (n == 0) return -1
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function add(k, v) { L[k] = L[k] (L[k] == "" ? "" : ",") v }
	$1 == "CASE" {
		c = kv("case"); m = kv("mode"); k = c SUBSEP m
		if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
		if (!(m in seenm)) { seenm[m] = 1; modes[++nm] = m }
		d = kv("deliveries") + 0
		add(k SUBSEP "dps", kv("dps"))
		add(k SUBSEP "relay", d > 0 ? kv("relay_cpu_s") * 1e6 / d : -1)
		add(k SUBSEP "nats", d > 0 ? kv("nats_cpu_s") * 1e6 / d : -1)
		add(k SUBSEP "tot", d > 0 ? (kv("relay_cpu_s") + \
		    kv("nats_cpu_s")) * 1e6 / d : -1)
		add(k SUBSEP "drv", kv("driver_us"))
		if (kv("ok") != 1) bad[k] = 1
		w[m] = "N=" kv("n") ", K=" kv("k") ", M=" kv("m") \
		    ", S=" kv("s")
	}
	END {
		lab["plain"] = "1 relay, no --nats (reference)"
		lab["node1"] = "1 node (cluster of one)"
		lab["node2"] = "2 nodes (members alternate)"
		for (j = 1; j <= nm; j++) {
			m = modes[j]
			printf "\n#### %s: %s\n\n", m == "links" ? \
			    "Links only (receivers skip the group layer; the relays set the pace)" : \
			    "End to end (every receiver verifies and decrypts)", w[m]
			print "| | deliveries/s (each round) | relay CPU µs/delivery " \
			    "(all nodes) | nats-server CPU µs/delivery | total " \
			    "µs/delivery | driver µs/delivery | all delivered |"
			print "|---|---|---|---|---|---|---|"
			split("plain node1 node2", cs, " ")
			for (i = 1; i <= 3; i++) {
				k = cs[i] SUBSEP m
				if (!(k in seen)) continue
				printf "| %s | %.0f (%s) | %.2f | %s | %.2f | %.2f | %s |\n",
				    lab[cs[i]], med(L[k SUBSEP "dps"]),
				    L[k SUBSEP "dps"], med(L[k SUBSEP "relay"]),
				    cs[i] == "plain" ? "-" : \
				    sprintf("%.2f", med(L[k SUBSEP "nats"])),
				    med(L[k SUBSEP "tot"]), med(L[k SUBSEP "drv"]),
				    bad[k] ? "**no**" : "yes"
			}
		}
	}' "$1"
}

if [ "$MODE" = table ]; then
	table "${2:?usage: cluster.sh table RESULTS}"
	exit 0
fi
bench_check_bins

TMP=$(mktemp -d /tmp/sotto-cluster.XXXXXX)
RESULTS=$TMP/results
: >"$RESULTS"
NODE_PID=()
NATS_PID=
cleanup() {
	bench_cluster_stop "$TMP/stop" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run CASE NODES ROUND MODE ARGS...: one driver run on the cluster that
# is up; a CASE line in the results.
run() {
	local c=$1 nodes=$2 round=$3 mode=$4 out i relay=0 nats=0 cpu
	local args=(--port "${NODE_PORT[1]}" --server-pid "${NODE_PID[1]}")
	shift 4
	out=$TMP/$c-$round-$mode.out
	for i in $(seq 2 "$nodes"); do
		args+=(--extra-port "${NODE_PORT[i]}")
	done
	for i in "${!NODE_PID[@]}"; do
		args+=(--cpu-pid "${NODE_PID[i]}")
	done
	[ -z "$NATS_PID" ] || args+=(--cpu-pid "$NATS_PID")
	echo "[$c round $round] $mode: bench_fanout sotto ${args[*]} $*" >&2
	nice -n 0 "$DRIVER" sotto "${args[@]}" --time-limit "$LIMIT" "$@" \
	    >"$out" || echo "[$c round $round] the driver stopped early" >&2
	for i in "${!NODE_PID[@]}"; do
		cpu=$(awk -v p="${NODE_PID[i]}" '$1 == "CPU" && $2 == "pid=" p {
		    sub(/cpu_s=/, "", $3); print $3 }' "$out")
		relay=$(awk -v a="$relay" -v b="${cpu:--1}" \
		    'BEGIN { print a + b }')
	done
	if [ -n "$NATS_PID" ]; then
		nats=$(awk -v p="$NATS_PID" '$1 == "CPU" && $2 == "pid=" p {
		    sub(/cpu_s=/, "", $3); print $3 }' "$out")
	fi
	awk -v c="$c" -v md="$mode" -v r="$round" -v rl="$relay" \
	    -v na="${nats:-0}" '$1 == "RESULT" {
		line = $0
		for (i = 1; i <= NF; i++) {
			split($i, f, "=")
			v[f[1]] = f[2]
		}
		printf "CASE case=%s mode=%s round=%s n=%s k=%s m=%s s=%s " \
		    "deliveries=%s dps=%s relay_cpu_s=%s nats_cpu_s=%s " \
		    "driver_us=%s ok=%s\n", c, md, r, v["n"], v["k"], v["m"],
		    v["s"], v["deliveries"], v["dps"], rl, na,
		    v["driver_us_per_delivery"], v["ok"]
	}' "$out" >>"$RESULTS"
	sed "s/^/    [$c $round $mode] /" "$out" >>"$TMP/raw"
	sleep 1		# the nodes see the members go
}

if [ "$MODE" = quick ]; then
	W=(--members 20 --senders 3 --size 200 --announce senders)
	ML=300 ME=100 ROUNDS=1
else
	W=(--members "${CLUSTER_N:-100}" --senders "${CLUSTER_K:-10}" \
	    --size 200 --announce senders)
	ML=${CLUSTER_M_LINKS:-2000} ME=${CLUSTER_M_E2E:-200}
	ROUNDS=${CLUSTER_ROUNDS:-3}
fi

echo "# sotto relay: one node against two nodes of a cluster"
bench_machine
start=$(date +%s)
for r in $(seq "$ROUNDS"); do
	for c in plain node1 node2; do
		case $c in
		plain) nodes=0 ;;
		node1) nodes=1 ;;
		node2) nodes=2 ;;
		esac
		bench_cluster_start "$TMP/$c-$r" "$nodes"
		echo "[$c round $r] nodes ${NODE_PID[*]} on ports" \
		    "${NODE_PORT[*]}; nats-server ${NATS_PID:--}; load" \
		    "average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
		[ "$nodes" -gt 0 ] || nodes=1
		run "$c" "$nodes" "$r" links "${W[@]}" --messages "$ML" \
		    --links-only
		run "$c" "$nodes" "$r" e2e "${W[@]}" --messages "$ME"
		bench_cluster_stop "$TMP/$c-$r"
	done
done
echo "- total time: $(( $(date +%s) - start )) s; load average at the end:" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "- on $(nproc) CPUs the driver, every node and nats-server share the" \
    "same cores: two nodes cannot add throughput here; the CPU per" \
    "delivery (what the cluster costs) is the figure to read"
table "$RESULTS"
echo
echo "Raw lines:"
sed 's/^/    /' "$RESULTS"
cat "$TMP/raw"
if [ -n "${CLUSTER_RESULTS:-}" ]; then
	cp "$RESULTS" "$CLUSTER_RESULTS"
fi
