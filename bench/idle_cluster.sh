#!/usr/bin/env bash
# idle_cluster.sh: many idle members held by the nodes of one relay
# cluster at once (docs/BENCHMARKS.md, "Idle members across a
# cluster").  One process here may open at most `ulimit -Hn` descriptors
# (20,000 on the development VM, which gives no CAP_SYS_RESOURCE to raise
# it), so one relay holds about 19,900 members: 100,000 take several
# nodes.  The script starts its own nats-server -js on 127.0.0.1 and
# IDLE_NODES `sotto relay --nats URL --node N` nodes sharing one relay
# key, then one bench_fanout --idle driver per node (each a process of
# its own, under the limit), driver d connecting from its own loopback
# addresses 127.0.0.(2 + d * IDLE_SOURCES) and on, in rooms of 100.  Once
# every driver holds its members (or gave up), it reads each node's and
# nats-server's VmRSS and reports bytes per member (RSS growth / members
# held), per node and overall, and whether all were held.
#
#   bash bench/idle_cluster.sh        # 6 nodes x 17,000 = 102,000 members
#                                     # (about 4 min)
#   bash bench/idle_cluster.sh quick  # 2 nodes x 2,000 (about 30 s)
#
# IDLE_NODES, IDLE_PER_NODE (at most the hard limit less 1,000),
# IDLE_SOURCES (loopback addresses per driver, default 16),
# IDLE_TIME_LIMIT (seconds for the drivers to connect, default 1200).
# SOTTO_BIN (default $SOTTO_BUILD_DIR/sotto) is the relay;
# SOTTO_BUILD_DIR (default build) holds bench/bench_fanout.  Before it
# starts, it checks MemAvailable against IDLE_BYTES_PER_MEMBER (default
# 40,000: relay, driver and kernel socket buffers, both ends, with room
# to spare) times the members.  A benchmark, not a test: it prints
# figures and never judges them; it stops every process it started.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH=idle_cluster.sh
MODE=${1:-full}
case $MODE in
full) NODES=${IDLE_NODES:-6} PER=${IDLE_PER_NODE:-17000} ;;
quick) NODES=${IDLE_NODES:-2} PER=${IDLE_PER_NODE:-2000} ;;
*)
	echo "usage: bash bench/idle_cluster.sh [quick]" >&2
	exit 2
	;;
esac
. bench/benchlib.sh
SOURCES=${IDLE_SOURCES:-16}
LIMIT=${IDLE_TIME_LIMIT:-1200}
HOLD=$(( LIMIT + 60 ))	# the drivers hold until measured, then stop
bench_check_bins

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
max=$(( $(ulimit -n) - 1000 ))
if [ "$PER" -gt "$max" ]; then
	echo "$BENCH: $PER members per node need as many descriptors in the" \
	    "node and in its driver; the limit is $(ulimit -n): $max" >&2
	PER=$max
fi
if [ "$NODES" -lt 1 ] || [ "$NODES" -gt 15 ] ||
    [ $(( 2 + NODES * SOURCES )) -gt 254 ]; then
	echo "$BENCH: IDLE_NODES 1 to 15, and 2 + nodes x IDLE_SOURCES" \
	    "addresses at most 254" >&2
	exit 2
fi
TOTAL=$(( NODES * PER ))
need_kb=$(( TOTAL * ${IDLE_BYTES_PER_MEMBER:-40000} / 1024 ))
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ "$need_kb" -gt "$avail_kb" ]; then
	echo "$BENCH: $TOTAL members may take $(( need_kb / 1024 )) MiB;" \
	    "only $(( avail_kb / 1024 )) MiB available" >&2
	exit 2
fi

TMP=$(mktemp -d /tmp/sotto-idle-cluster.XXXXXX)
NODE_PID=()
NATS_PID=
DRV_PID=()
cleanup() {
	local p
	for p in "${DRV_PID[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${DRV_PID[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	DRV_PID=()
	bench_cluster_stop "$TMP" || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# sotto relay cluster: idle members across $NODES nodes"
bench_machine
echo "- $NODES nodes x $PER members = $TOTAL, rooms of 100; one driver per" \
    "node from $SOURCES loopback addresses each; memory available at" \
    "start: $(( avail_kb / 1024 )) MiB"
start=$(date +%s)
bench_cluster_start "$TMP" "$NODES"
declare -a rss0
for i in $(seq "$NODES"); do
	rss0[i]=$(bench_rss_kb "${NODE_PID[i]}")
done
nats0=$(bench_rss_kb "$NATS_PID")

for i in $(seq "$NODES"); do
	"$DRIVER" sotto --port "${NODE_PORT[i]}" --server-pid "${NODE_PID[i]}" \
	    --idle "$PER" --room-size 100 --sources "$SOURCES" \
	    --source-first $(( 2 + (i - 1) * SOURCES )) --hold "$HOLD" \
	    --time-limit "$LIMIT" >"$TMP/driver$i.out" 2>"$TMP/driver$i.err" &
	DRV_PID[i]=$!
done
echo "[$BENCH] nodes ${NODE_PID[*]} on ports ${NODE_PORT[*]}; drivers" \
    "${DRV_PID[*]}; nats-server $NATS_PID" >&2

# Every driver holding its members, or gone; bounded by the drivers' own
# time limit.
deadline=$(( $(date +%s) + LIMIT + 30 ))
while :; do
	waiting=0
	for i in $(seq "$NODES"); do
		if ! grep -q 'holding' "$TMP/driver$i.err" &&
		    kill -0 "${DRV_PID[i]}" 2>/dev/null; then
			waiting=$(( waiting + 1 ))
		fi
	done
	[ "$waiting" -gt 0 ] || break
	if [ "$(date +%s)" -gt "$deadline" ]; then
		echo "[$BENCH] $waiting drivers still connecting at the" \
		    "deadline: measuring what is held" >&2
		break
	fi
	sleep 2
	if [ $(( ($(date +%s) - start) % 30 )) -lt 2 ]; then
		echo "[$BENCH] $waiting drivers still connecting; load" \
		    "$(cut -d' ' -f1-3 /proc/loadavg); $(awk \
		    '/^MemAvailable:/ { printf "%d MiB available", $2 / 1024 }' \
		    /proc/meminfo)" >&2
	fi
done
held_s=$(( $(date +%s) - start ))
sleep 2		# the last JOINs' notices out before reading memory

echo
echo "| node | members asked | held | VmRSS before (kB) | VmRSS held (kB) |" \
    "bytes per member | its driver's VmRSS (kB) |"
echo "|---|---|---|---|---|---|---|"
sum_d=0 sum_j=0
for i in $(seq "$NODES"); do
	rss=$(bench_rss_kb "${NODE_PID[i]}")
	drss=$(bench_rss_kb "${DRV_PID[i]}")
	# The driver's last IDLE line says how many joined.
	j=$(awk '$1 == "IDLE" { for (f = 2; f <= NF; f++)
	    if ($f ~ /^joined=/) { sub(/joined=/, "", $f); v = $f } }
	    END { print v + 0 }' "$TMP/driver$i.out")
	if [ "$rss" -lt 0 ]; then
		echo "[$BENCH] node $i is gone" >&2
		rss=${rss0[i]}
	fi
	sum_d=$(( sum_d + rss - rss0[i] ))
	sum_j=$(( sum_j + j ))
	echo "| $i | $PER | $j | ${rss0[i]} | $rss |" \
	    "$(awk -v d=$(( rss - rss0[i] )) -v j="$j" \
	    'BEGIN { printf "%.0f", (j > 0 ? d * 1024 / j : -1) }') | $drss |"
done
nats1=$(bench_rss_kb "$NATS_PID")
echo "| all nodes | $TOTAL | $sum_j | | | $(awk -v d="$sum_d" -v j="$sum_j" \
    'BEGIN { printf "%.0f", (j > 0 ? d * 1024 / j : -1) }') | |"
echo "| nats-server | | | $nats0 | $nats1 | $(awk -v d=$(( nats1 - nats0 )) \
    -v j="$sum_j" 'BEGIN { printf "%.0f", (j > 0 ? d * 1024 / j : -1) }') | |"
echo
if [ "$sum_j" = "$TOTAL" ]; then
	echo "- all $TOTAL members held at once, $held_s s after the start"
else
	echo "- **not all held**: $sum_j of $TOTAL (see the drivers' notes" \
	    "below)"
fi
echo "- memory available while held: $(awk '/^MemAvailable:/ {
    printf "%d MiB", $2 / 1024 }' /proc/meminfo); load average:" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$NODES"); do
	if ! grep -q holding "$TMP/driver$i.err"; then
		echo "- driver $i:"
		tail -3 "$TMP/driver$i.err" | sed 's/^/    /'
	fi
done
echo
echo "Raw driver lines:"
for i in $(seq "$NODES"); do
	sed "s/^/    [node $i] /" "$TMP/driver$i.out"
done
