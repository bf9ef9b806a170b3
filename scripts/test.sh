#!/usr/bin/env bash
# test.sh: the one command that runs every test sotto has.
#
#   1. deps     installs whatever Debian packages are missing
#   2. normal   build/       -Werror build, every ctest test
#   3. asan     build-asan/  -Werror + ASan/UBSan build, every ctest test,
#                            any sanitizer report fatal
#   4. fuzz     build-fuzz/  clang libFuzzer build; each fuzz/<name>_fuzz
#                            runs from fuzz/corpus/<name>/ (a temporary
#                            copy) for SOTTO_FUZZ_SECONDS (default 20;
#                            0 replays the corpus only), two at a time
#
# SOTTO_STAGES (default "normal asan fuzz") picks stages.  The last line is
# "N passed, N failed", counting each ctest test of each build and each
# fuzz target; a build that fails to configure or compile counts as one
# failure.  Exits non-zero if anything failed.  Every step has a timeout.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

FUZZ_SECONDS=${SOTTO_FUZZ_SECONDS:-20}
STAGES=${SOTTO_STAGES:-normal asan fuzz}
JOBS=2

passed=0
failed=0
summary=()
started=$SECONDS

note() { summary+=("$*"); }
banner() { printf '\n===== %s =====\n' "$*"; }
elapsed() { printf '%ds' $((SECONDS - $1)); }
# timeout(1) with a hard kill if the soft signal is ignored.
bounded() { local t=$1; shift; timeout --kill-after=30 "$t" "$@"; }

finish() {
	banner "summary ($(elapsed "$started"))"
	printf '  %s\n' "${summary[@]}"
	echo
	echo "$passed passed, $failed failed"
	[[ $failed -eq 0 ]] && exit 0
	exit 1
}

has_stage() { [[ " $STAGES " == *" $1 "* ]]; }

# configure_and_build LABEL DIR [cmake args...]: 0 when the build is ready.
configure_and_build() {
	local label=$1 dir=$2 t
	shift 2
	t=$SECONDS
	if ! bounded 600 cmake -S "$ROOT" -B "$dir" "$@"; then
		failed=$((failed + 1))
		note "FAIL $label: cmake configure"
		return 1
	fi
	if ! bounded 1800 cmake --build "$dir" -j"$JOBS" ${BUILD_TARGET:+--target "$BUILD_TARGET"}; then
		failed=$((failed + 1))
		note "FAIL $label: build"
		return 1
	fi
	echo "$label: built in $(elapsed "$t")"
}

# run_ctest LABEL DIR: runs every test, adds each to the counts.
run_ctest() {
	local label=$1 dir=$2 log rc line total nfail t
	log="$dir/ctest.log"
	t=$SECONDS
	bounded 3000 ctest --test-dir "$dir" --output-on-failure -j"$JOBS" \
	    --no-tests=error 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' \
	    "$log" | tail -n 1)
	if [[ -z $line ]]; then
		failed=$((failed + 1))
		note "FAIL $label: ctest did not finish (exit $rc)"
		return
	fi
	total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
	nfail=$(sed -E 's/.* ([0-9]+) tests? failed .*/\1/' <<<"$line")
	passed=$((passed + total - nfail))
	failed=$((failed + nfail))
	note "$label: $((total - nfail))/$total ctest tests passed ($(elapsed "$t"))"
	while read -r name; do
		note "FAIL $label: $name"
	done < <(sed -n '/^The following tests FAILED:/,$p' "$log" |
	    sed -nE 's/^[[:space:]]+[0-9]+ - (.*)$/\1/p')
	if [[ $rc -ne 0 && $nfail -eq 0 ]]; then
		failed=$((failed + 1))
		note "FAIL $label: ctest exited $rc"
	fi
}

# fuzz_one BIN CORPUS ART LOG RESULT: one fuzz target, in the background
# beside another; writes "RC RUNS SECONDS" to RESULT.
fuzz_one() {
	local bin=$1 corpus=$2 art=$3 log=$4 result=$5 rc runs t=$SECONDS
	bounded $((FUZZ_SECONDS + 120)) "$bin" "${limit[@]}" -timeout=25 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$art/" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" |
	    grep -Eo '[0-9]+$' || echo '?')
	echo "$rc $runs $((SECONDS - t))" >"$result"
}

# run_fuzzers DIR: each fuzz target from a scratch copy of its corpus,
# JOBS at a time (each target is one process on one core).
run_fuzzers() {
	local dir=$1 src base name bin corpus art log scratch rc runs secs
	local -a limit bases=()
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/sotto-fuzz.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$scratch'" EXIT
	if [[ $FUZZ_SECONDS -gt 0 ]]; then
		limit=(-max_total_time="$FUZZ_SECONDS")
	else
		limit=(-runs=0)
	fi
	shopt -s nullglob
	for src in "$ROOT"/fuzz/*_fuzz.c; do
		base=$(basename "$src" .c)
		name=${base%_fuzz}
		bin="$dir/fuzz/$base"
		if [[ ! -x $bin ]]; then
			failed=$((failed + 1))
			note "FAIL fuzz $base: not built"
			continue
		fi
		corpus="$scratch/$name"
		art="$dir/artifacts/$name"
		log="$dir/logs/$base.log"
		mkdir -p "$corpus" "$art" "$(dirname "$log")"
		rm -f "$log.result"
		if [[ -d $ROOT/fuzz/corpus/$name ]]; then
			cp -R "$ROOT/fuzz/corpus/$name/." "$corpus/"
		else
			echo "fuzz $base: no fuzz/corpus/$name/, starting empty"
		fi
		echo "fuzz $base: ${limit[*]} over $(find "$corpus" -type f | wc -l) seeds"
		while [[ $(jobs -rp | wc -l) -ge $JOBS ]]; do
			wait -n
		done
		fuzz_one "$bin" "$corpus" "$art" "$log" "$log.result" &
		bases+=("$base")
	done
	wait
	for base in "${bases[@]}"; do
		name=${base%_fuzz}
		log="$dir/logs/$base.log"
		art="$dir/artifacts/$name"
		if [[ -r $log.result ]]; then
			read -r rc runs secs <"$log.result"
		else
			rc=? runs=? secs=?
		fi
		if [[ $rc == 0 ]]; then
			passed=$((passed + 1))
			note "fuzz $base: ok, $runs runs (${secs}s)"
		else
			failed=$((failed + 1))
			note "FAIL fuzz $base: exit $rc, log $log, artifacts in $art/"
			echo "----- fuzz $base failed (exit $rc); end of its log:"
			tail -n 60 "$log"
		fi
	done
	shopt -u nullglob
}

banner "deps"
if ! bash scripts/deps.sh; then
	failed=$((failed + 1))
	note "FAIL deps: could not install packages"
	finish
fi

if has_stage normal; then
	banner "normal build (build/)"
	if configure_and_build normal build -DSOTTO_WERROR=ON \
	    -DSOTTO_SANITIZE=OFF -DSOTTO_FUZZ=OFF; then
		run_ctest normal build
	fi
fi

if has_stage asan; then
	banner "ASan+UBSan build (build-asan/)"
	if configure_and_build asan build-asan -DSOTTO_WERROR=ON \
	    -DSOTTO_SANITIZE=ON -DSOTTO_FUZZ=OFF -DCMAKE_BUILD_TYPE=Debug; then
		ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1 \
		UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
		    run_ctest asan build-asan
	fi
fi

if has_stage fuzz; then
	banner "fuzz (build-fuzz/, ${FUZZ_SECONDS}s per target)"
	if CC=clang BUILD_TARGET=fuzz configure_and_build fuzz build-fuzz \
	    -DCMAKE_C_COMPILER=clang -DSOTTO_WERROR=ON -DSOTTO_SANITIZE=OFF \
	    -DSOTTO_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug; then
		run_fuzzers "$ROOT/build-fuzz"
	fi
fi

finish
