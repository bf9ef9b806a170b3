#!/usr/bin/env bash
# fanout.sh: the relay fan-out benchmark, sotto relay against ngircd, on
# this machine, in one run, with the same workload (docs/BENCHMARKS.md,
# "Rooms: relay fan-out").  For each case it starts a fresh `sotto relay`
# and a fresh ngircd on 127.0.0.1 (ngircd with its own config in a temp
# dir, flood protection off), runs build/bench/bench_fanout against each,
# stops both, and at the end prints the figures side by side.
#
#   bash bench/fanout.sh            # the issue's cases A, B, I, and U
#   bash bench/fanout.sh quick      # a small smoke run (about 20 s)
#   bash bench/fanout.sh table FILE # the table again, from FANOUT_RESULTS
#   bash bench/fanout.sh log        # the relay's room log: deliveries/s
#                                   # with the log and with --no-log, and
#                                   # the time from a restart (SIGKILL) to
#                                   # 100 and 1,000 members caught up
#
# SOTTO_BUILD_DIR (default build) holds sotto and bench/bench_fanout:
#   cmake -S . -B build && cmake --build build
# Case B (N=1000) lets receivers verify the senders' announcements only
# (see the doc); FANOUT_B_ANNOUNCE=all makes it the full mesh (about two
# more minutes).  A benchmark, not a test: it prints figures and never
# judges them.  Every driver phase stops itself after FANOUT_TIME_LIMIT
# seconds (default 300).  Case I holds FANOUT_IDLE idle members (default
# 100,000; checkpoints at 1,000, 2,000, 5,000, 10,000 and 50,000) from
# FANOUT_SOURCES loopback addresses (default 64), with FANOUT_NOFILE
# descriptors (default 262,144) if the hard limit allows (it takes
# CAP_SYS_RESOURCE to raise it), else the hard limit: the members held
# are reported, whatever the limit stops at.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${SOTTO_BUILD_DIR:-build}
SOTTO=$BUILD/sotto
DRIVER=$BUILD/bench/bench_fanout
LIMIT=${FANOUT_TIME_LIMIT:-300}
MODE=${1:-full}
case $MODE in
full | quick | table | log) ;;
*)
	echo "usage: bash bench/fanout.sh [quick | table FILE | log]" >&2
	exit 2
	;;
esac

for f in "$SOTTO" "$DRIVER"; do
	if [ "$MODE" != table ] && [ ! -x "$f" ]; then
		echo "fanout.sh: $f is missing: cmake -S . -B $BUILD &&" \
		    "cmake --build $BUILD" >&2
		exit 2
	fi
done
if [ "$MODE" != table ] && ! command -v ngircd >/dev/null; then
	echo "fanout.sh: ngircd is not installed (apt-get install ngircd)" >&2
	exit 2
fi

# Each member is one descriptor in the driver and one in the server:
# FANOUT_NOFILE of them (a privileged user may raise the hard limit),
# else the hard limit.
ulimit -n "${FANOUT_NOFILE:-262144}" 2>/dev/null ||
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/sotto-fanout.XXXXXX)
RESULTS=$TMP/results
: >"$RESULTS"
relay_pid=
irc_pid=

stop_servers() {
	local p
	for p in $relay_pid $irc_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in $relay_pid $irc_pid; do
		wait "$p" 2>/dev/null || true
	done
	relay_pid=
	irc_pid=
}

cleanup() {
	stop_servers
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to 10 s for a line matching $2 in file $1; prints the match.
wait_for() {
	local i
	for i in $(seq 100); do
		if grep -m1 -o "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "fanout.sh: no '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A fresh relay and a fresh ngircd for case $1: RELAY_PORT, IRC_PORT.
# The relay's admission limits are off (every member is 127.0.0.1 and
# joins at once; ngircd's flood protection is off too): this measures
# fan-out, and bench/dos.sh measures the limits.
start_servers() {
	local tag=$1 dir=$TMP/$1
	mkdir -p "$dir/relay" "$dir/conf.d"
	"$SOTTO" relay --listen 127.0.0.1 --port 0 --state-dir "$dir/relay" \
	    --max-per-address 0 --member-rate 0 --no-puzzle ${RELAY_EXTRA:-} \
	    2>"$dir/relay.log" &
	relay_pid=$!
	RELAY_PORT=$(wait_for "$dir/relay.log" \
	    'listening on 127\.0\.0\.1:[0-9]*' | sed 's/.*://')

	IRC_PORT=$(free_port)
	# Flood protection off: user mode F (DefaultUserModes; ngircd never
	# throttles +F clients and lets them send many commands per read)
	# and MaxPenaltyTime 0.  No DNS, ident or PAM lookups; no limit on
	# connections, per address, or channels.  Pings far apart.  The
	# include dir is our own (empty), not /etc/ngircd's.
	cat >"$dir/ngircd.conf" <<EOF
[Global]
	Name = bench.invalid
	Info = sotto fan-out benchmark peer
	AdminInfo1 = sotto bench
	AdminInfo2 = 127.0.0.1 only
	AdminEMail = bench@invalid
	Listen = 127.0.0.1
	Ports = $IRC_PORT
	MotdPhrase = bench
[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxNickLength = 16
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 600
[Options]
	DNS = no
	Ident = no
	PAM = no
	DefaultUserModes = F
	IncludeDir = $dir/conf.d
EOF
	ngircd -n -f "$dir/ngircd.conf" >"$dir/ngircd.log" 2>&1 &
	irc_pid=$!
	wait_for "$dir/ngircd.log" "Now listening on \[127\.0\.0\.1\]:$IRC_PORT" \
	    >/dev/null
	sleep 0.5	# both idle before the baseline is read
	echo "[$tag] sotto relay pid $relay_pid port $RELAY_PORT; ngircd pid" \
	    "$irc_pid port $IRC_PORT; load average $(cut -d' ' -f1-3 \
	    /proc/loadavg)" >&2
}

# run TAG NAME SYS ARGS...: one driver run, kept as TAG/NAME; its RESULT
# and IDLE lines go to the results, marked with TAG and NAME.
run() {
	local tag=$1 name=$2 sys=$3 pid port
	shift 3
	if [ "$sys" = sotto ]; then
		pid=$relay_pid port=$RELAY_PORT
	else
		pid=$irc_pid port=$IRC_PORT
	fi
	echo "[$tag] $name: bench_fanout $sys $*" >&2
	"$DRIVER" "$sys" --port "$port" --server-pid "$pid" \
	    --time-limit "$LIMIT" "$@" >"$TMP/$tag/$name.out" ||
	    echo "[$tag] $name: the driver stopped early (see above)" >&2
	sed "s/^/$tag $name /" "$TMP/$tag/$name.out" >>"$RESULTS"
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "[$tag] the $sys server died" >&2
	fi
	sleep 1		# the server sees the members go
}

server_notes() {
	local tag=$1 dir=$TMP/$1 n
	n=$(grep -c -E ' (warn|error) ' "$dir/relay.log" || true)
	[ "$n" = 0 ] || { echo "[$tag] relay: $n warnings/errors, e.g.:" >&2
	    grep -m3 -E ' (warn|error) ' "$dir/relay.log" >&2; }
	n=$(grep -c -i -E 'exhausted|flood|penalty|refused|too many' \
	    "$dir/ngircd.log" || true)
	[ "$n" -le 1 ] || { echo "[$tag] ngircd: $n notable lines, e.g.:" >&2
	    grep -m3 -i -E 'exhausted|flood|refused|too many' \
	    "$dir/ngircd.log" >&2; }
}

# active TAG N K M S [more args, for every run]: on one relay and ngircd,
#   e2e    sotto, every receiver verifies and decrypts every message;
#   links  sotto, diagnostic: receivers skip group_recv in the measured
#          phase (the relay's work is the same, nothing is verified);
#   irc    ngircd, the driver ACKs every read at once (--quickack);
#   ircd   ngircd, default ACKs (Nagle on ngircd's side stalls 40 ms).
active() {
	local tag=$1 w all irc=()
	w=(--members "$2" --senders "$3" --messages "$4" --size "$5")
	shift 5
	all=("$@")
	# The other runs take the same options but --announce (sotto e2e's).
	while [ $# -gt 0 ]; do
		if [ "$1" = --announce ]; then
			shift 2
			continue
		fi
		irc+=("$1")
		shift
	done
	start_servers "$tag"
	run "$tag" e2e sotto "${w[@]}" "${all[@]}"
	run "$tag" links sotto "${w[@]}" "${irc[@]}" --announce senders \
	    --links-only
	run "$tag" irc irc "${w[@]}" "${irc[@]}" --quickack
	run "$tag" ircd irc "${w[@]}" "${irc[@]}"
	server_notes "$tag"
	stop_servers
}

# The members of room j connect from 127.0.0.(1 + j % FANOUT_SOURCES):
# the ephemeral ports of one address (about 28,000) are not enough for
# 100,000 members, and the relay lets one address create 20 rooms at
# once (ADDRLIM_ROOMS_BURST), its limit on room creation, which
# --max-per-address 0 does not lift.
idle() {
	local tag=$1 n=$2 src=(--sources "${FANOUT_SOURCES:-64}") max
	# Each process needs a descriptor per member, and a few more.
	max=$(( $(ulimit -n) - 1000 ))
	if [ "$n" -gt "$max" ]; then
		echo "[$tag] $n idle members need as many descriptors in each" \
		    "process; the limit is $(ulimit -n): holding $max" >&2
		n=$max
	fi
	start_servers "$tag"
	run "$tag" sotto sotto --idle "$n" --room-size 100 "${src[@]}"
	run "$tag" irc irc --idle "$n" --room-size 100 "${src[@]}"
	server_notes "$tag"
	stop_servers
}

# logcost TAG N K M S: the same sotto runs against a relay with its room
# log on disk and one with --no-log, alternately, so that both see the
# same machine: end to end once each (M messages per sender; the driver
# sets that pace), and links only three times each with 5 M messages
# per sender (the relay sets that pace, so that is where the log's cost
# shows; 5 M keeps each run a few seconds long).
logcost() {
	local tag=$1 r mode w wl
	w=(--members "$2" --senders "$3" --messages "$4" --size "$5")
	wl=(--members "$2" --senders "$3" --messages "$(( $4 * 5 ))" \
	    --size "$5" --announce senders --links-only)
	for r in 1 2 3; do
		for mode in log nolog; do
			if [ $mode = nolog ]; then
				RELAY_EXTRA=--no-log
			else
				RELAY_EXTRA=
			fi
			start_servers "$tag-$mode-$r"
			[ "$r" != 1 ] || run "$tag-$mode-$r" e2e sotto "${w[@]}"
			run "$tag-$mode-$r" links sotto "${wl[@]}"
			server_notes "$tag-$mode-$r"
			stop_servers
		done
	done
	RELAY_EXTRA=
}

# restart_case TAG N K M S: N members in one room on a relay with its
# log; once K senders' M blobs each are acknowledged (the non-senders not
# reading meanwhile), the driver kills the relay with SIGKILL, starts it
# again on the same port and state directory, and times every member's
# RESUME and catch-up.
restart_case() {
	local tag=$1 dir=$TMP/$1 port n
	mkdir -p "$dir/relay"
	port=$(free_port)
	"$SOTTO" relay --listen 127.0.0.1 --port "$port" \
	    --state-dir "$dir/relay" 2>"$dir/relay.log" &
	relay_pid=$!
	wait_for "$dir/relay.log" "listening on 127\.0\.0\.1:$port" >/dev/null
	echo "[$tag] bench_fanout sotto --restart, N=$2 K=$3 M=$4 S=$5" >&2
	"$DRIVER" sotto --port "$port" --server-pid "$relay_pid" \
	    --time-limit "$LIMIT" --members "$2" --senders "$3" \
	    --messages "$4" --size "$5" --restart "'$SOTTO' relay --listen \
	    127.0.0.1 --port $port --state-dir '$dir/relay' </dev/null \
	    >/dev/null 2>>'$dir/relay2.log' & echo \$! >'$dir/relay2.pid'" \
	    >"$dir/restart.out" || echo "[$tag] the driver stopped early" >&2
	wait "$relay_pid" 2>/dev/null || true	# the driver killed it
	relay_pid=$(cat "$dir/relay2.pid" 2>/dev/null || true)
	sed "s/^/$tag restart /" "$dir/restart.out" >>"$RESULTS"
	n=$(grep -c -E ' (warn|error) ' "$dir/relay2.log" || true)
	[ "$n" = 0 ] || { echo "[$tag] restarted relay: $n warnings/errors" \
	    "e.g.:" >&2; grep -m3 -E ' (warn|error) ' "$dir/relay2.log" >&2; }
	kill "$relay_pid" 2>/dev/null || true
	sleep 1
	relay_pid=
}

# The value of key=value in a results line, for the awk programs below.
AWK_KV='
	function kv(line, key,   i, n, f) {
		n = split(line, f, " ")
		for (i = 1; i <= n; i++)
			if (index(f[i], key "=") == 1)
				return substr(f[i], length(key) + 2)
		return ""
	}'

# logtable FILE: the log's figures, in Markdown.
logtable() {
	awk "$AWK_KV"'
	$3 == "RESULT" && kv($0, "mode") == "restart" { rs[++nr] = $0; next }
	$3 == "RESULT" && $1 ~ /-(no)?log-/ {
		split($1, t, "-")	# TAG-log|nolog-round
		d = kv($0, "dps") + 0
		sum[$2, t[2]] += d; cnt[$2, t[2]]++
		us[$2, t[2]] += kv($0, "server_us_per_delivery")
		runs[$2, t[2]] = runs[$2, t[2]] (runs[$2, t[2]] == "" ? "" : ", ") d
		if (kv($0, "ok") != 1) bad[$2, t[2]] = 1
		if ($2 == "e2e")
			hdr = "N=" kv($0, "n") ", K=" kv($0, "k") ", M=" \
			    kv($0, "m") " (links only: " 5 * kv($0, "m") \
			    "), S=" kv($0, "s") ", W=" kv($0, "w")
	}
	END {
		if (hdr != "") {
			printf "\n#### Room log on and off: %s\n\n", hdr
			print "| run | deliveries/s, log on disk (each run) | " \
			    "deliveries/s, --no-log (each run) | log on / off | " \
			    "cost | relay µs per delivery, on / off | " \
			    "all delivered |"
			print "|---|---|---|---|---|---|---|"
			split("e2e links", names, " ")
			for (i = 1; i <= 2; i++) {
				nm = names[i]
				if (!cnt[nm, "log"] || !cnt[nm, "nolog"]) continue
				on = sum[nm, "log"] / cnt[nm, "log"]
				off = sum[nm, "nolog"] / cnt[nm, "nolog"]
				label = "links only (diagnostic)"
				if (nm == "e2e") label = "end to end"
				okstr = "yes"
				if (bad[nm, "log"] || bad[nm, "nolog"]) okstr = "**no**"
				ratio = 0
				if (off > 0) ratio = on / off
				printf "| %s | %.0f (%s) | %.0f (%s) | %.3f | %.1f %% " \
				    "| %.3f / %.3f | %s |\n", label, on, \
				    runs[nm, "log"], off, runs[nm, "nolog"], ratio, \
				    (1 - ratio) * 100, us[nm, "log"] / cnt[nm, "log"], \
				    us[nm, "nolog"] / cnt[nm, "nolog"], okstr
			}
		}
		if (nr > 0) {
			print "\n#### Relay restart (SIGKILL) to every member " \
			    "back and caught up\n"
			print "| members | events acknowledged before the kill | " \
			    "last member back (RESUMED) | last member caught up | " \
			    "events replayed | ok |"
			print "|---|---|---|---|---|---|"
			for (j = 1; j <= nr; j++) {
				okstr = "yes"
				if (kv(rs[j], "ok") != 1) okstr = "**no**"
				printf "| %s | %s | %s s | %s s | %s | %s |\n",
				    kv(rs[j], "n"), kv(rs[j], "events"),
				    kv(rs[j], "back_s"), kv(rs[j], "caught_s"),
				    kv(rs[j], "replayed"), okstr
			}
		}
	}' "$1"
}

# table FILE: the figures of a results file side by side, in Markdown.
table() {
	awk "$AWK_KV"'
	function grp(x,   s) {	# 1234567 -> 1 234 567
		if (x == "") return "?"
		x = sprintf("%.0f", x)
		s = ""
		while (length(x) > 3) {
			s = " " substr(x, length(x) - 2) s
			x = substr(x, 1, length(x) - 3)
		}
		return x s
	}
	function cell(tag, name, what,   l) {
		l = res[tag, name]
		if (l == "") return "-"
		if (what == "dps") return grp(kv(l, "dps"))
		if (what == "lat") return kv(l, "p50_ms") " / " kv(l, "p90_ms") \
		    " / " kv(l, "p99_ms") " / " kv(l, "max_ms")
		if (what == "n") return grp(kv(l, "deliveries")) " of " \
		    grp(kv(l, "expected"))
		if (what == "srv") return kv(l, "server_cpu_s") " s; " \
		    kv(l, "server_us_per_delivery")
		if (what == "drv") return kv(l, "driver_cpu_s") " s; " \
		    kv(l, "driver_us_per_delivery")
		if (what == "setup") return kv(l, "connect_s") " / " \
		    kv(l, "announce_s") " / " kv(l, "warmup_s")
		if (what == "ok") return kv(l, "ok") == 1 ? "yes" : "**no**"
		return "?"
	}
	function row(label, tag, what) {
		printf "| %s | %s | %s | %s | %s |\n", label,
		    cell(tag, "e2e", what), cell(tag, "links", what),
		    cell(tag, "irc", what), cell(tag, "ircd", what)
	}
	function target(tag, label, a, b, ok) {
		ntg++
		tg[ntg] = sprintf("| %s | %s | %s | %s | %s |", tag, label, a, b,
		    ok ? "yes" : "**no**")
	}
	$3 == "RESULT" && kv($0, "mode") != "idle" {
		res[$1, $2] = $0
		if (!($1 in seen)) { seen[$1] = 1; tags[++ntags] = $1 }
		next
	}
	$3 == "RESULT" { idle[kv($0, "sys")] = $0; next }
	$3 == "IDLE" {
		sys = kv($0, "sys"); m = kv($0, "members") + 0
		rss[sys, m] = kv($0, "rss_kb")
		if (!(m in seenm)) { seenm[m] = 1; ms[++nms] = m }
		next
	}
	END {
		for (t = 1; t <= ntags; t++) {
			tag = tags[t]; e = res[tag, "e2e"]; q = res[tag, "irc"]
			note = ""
			if (kv(e, "announce") == "senders")
				note = "; receivers verified the senders\x27 " \
				    "announcements only"
			printf "\n#### Case %s: N=%s members, K=%s senders, M=%s " \
			    "messages each, S=%s bytes, window W=%s%s\n\n", tag,
			    kv(e, "n"), kv(e, "k"), kv(e, "m"), kv(e, "s"),
			    kv(e, "w"), note
			print "| | sotto relay, end to end | sotto relay, links " \
			    "only (diagnostic) | ngircd, quick ACKs | ngircd, " \
			    "default ACKs |"
			print "|---|---|---|---|---|"
			row("deliveries/s", tag, "dps")
			row("latency p50 / p90 / p99 / max (ms)", tag, "lat")
			row("deliveries", tag, "n")
			row("server CPU; µs per delivery", tag, "srv")
			row("driver CPU; µs per delivery", tag, "drv")
			row("setup s: connect / announce / warm-up", tag, "setup")
			row("complete, nothing dropped or forged", tag, "ok")
			# U is not one of the issue\x27s cases: no targets.
			# Against the better of ngircd\x27s two runs.
			d = res[tag, "ircd"]
			if (e != "" && q != "" && tag != "U") {
				bd = kv(q, "dps") + 0; bp = kv(q, "p99_ms") + 0
				if (d != "" && kv(d, "dps") + 0 > bd)
					bd = kv(d, "dps") + 0
				if (d != "" && kv(d, "p99_ms") + 0 < bp)
					bp = kv(d, "p99_ms") + 0
				target(tag, "deliveries/s >= ngircd", grp(kv(e, "dps")),
				    grp(bd), kv(e, "dps") + 0 >= bd)
				target(tag, "p99 latency <= ngircd", kv(e, "p99_ms") " ms",
				    sprintf("%.3f ms", bp), kv(e, "p99_ms") + 0 <= bp)
			}
		}
		if (idle["sotto"] != "") {
			n = kv(idle["sotto"], "members")
			printf "\n#### Case I: idle members, rooms (channels) of 100\n\n"
			print "| members | sotto relay VmRSS (kB) | bytes per member " \
			    "| ngircd VmRSS (kB) | bytes per member |"
			print "|---|---|---|---|---|"
			for (j = 1; j <= nms; j++) {
				m = ms[j]
				sp = m ? (rss["sotto", m] - rss["sotto", 0]) * 1024 / m : 0
				ip = m ? (rss["irc", m] - rss["irc", 0]) * 1024 / m : 0
				printf "| %s | %s | %s | %s | %s |\n", grp(m),
				    grp(rss["sotto", m]), m ? grp(sp) : "",
				    grp(rss["irc", m]), m ? grp(ip) : ""
			}
			printf "| held (of %s) | %s | | %s | |\n", grp(n),
			    grp(kv(idle["sotto"], "joined")),
			    grp(kv(idle["irc"], "joined"))
			target("I", "memory per idle member <= ngircd",
			    grp(sp) " B", grp(ip) " B", sp <= ip)
			if (rss["sotto", 10000] != "") {
				sp = (rss["sotto", 10000] - rss["sotto", 0]) * \
				    1024 / 10000
				ip = (rss["irc", 10000] - rss["irc", 0]) * \
				    1024 / 10000
				target("I", "memory per idle member at 10,000 " \
				    "<= 2,100 B", grp(sp) " B", grp(ip) " B",
				    sp <= 2100)
			}
		}
		if (ntg > 0) {
			print "\n#### Targets\n"
			print "| case | target | sotto | ngircd (the better of its " \
			    "two runs) | met? |"
			print "|---|---|---|---|---|"
			for (j = 1; j <= ntg; j++)
				print tg[j]
		}
	}' "$1"
}

if [ "$MODE" = table ]; then	# re-render a kept results file
	table "${2:?usage: fanout.sh table RESULTS}"
	logtable "$2"
	exit 0
fi

echo "# sotto relay fan-out vs ngircd"
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo |
    sed 's/.*: //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' \
    /proc/meminfo), Linux $(uname -r)"
echo "- ngircd: $(ngircd --version 2>/dev/null | head -1)"
echo "- libsodium $(dpkg-query -W -f '${Version}' libsodium23 2>/dev/null ||
    echo '?'), libevent $(dpkg-query -W -f '${Version}' \
    libevent-2.1-7 2>/dev/null || echo '?')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(the driver and the server share these CPUs; anything else running" \
    "skews the figures)"
echo "- open files limit: $(ulimit -n)"

start=$(date +%s)
if [ "$MODE" = log ]; then
	logcost L 100 10 1000 200
	restart_case R100 100 10 100 200
	restart_case R1000 1000 10 100 200
	echo "- total time: $(( $(date +%s) - start )) s; load average at" \
	    "the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ -n "${FANOUT_RESULTS:-}" ]; then
		cp "$RESULTS" "$FANOUT_RESULTS"
	fi
	logtable "$RESULTS"
	echo
	echo "Raw driver lines:"
	sed 's/^/    /' "$RESULTS"
	exit 0
fi
if [ "$MODE" = quick ]; then
	active A 20 3 100 200
	active B 60 5 50 200 --announce senders
	active U 20 1 100 200 --window 1
	idle I 1500
else
	active A 100 10 1000 200
	active B 1000 10 100 200 --announce "${FANOUT_B_ANNOUNCE:-senders}"
	# Not in the issue: one message in flight at a time, so latency is
	# the path's own, without queueing behind the window.
	active U 100 1 300 200 --window 1
	idle I "${FANOUT_IDLE:-100000}"
fi
echo "- total time: $(( $(date +%s) - start )) s; load average at the end:" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
echo

table "$RESULTS"
echo
echo "Raw driver lines:"
sed 's/^/    /' "$RESULTS"
# FANOUT_RESULTS=FILE keeps them, for 'fanout.sh table FILE'.
if [ -n "${FANOUT_RESULTS:-}" ]; then
	cp "$RESULTS" "$FANOUT_RESULTS"
fi
