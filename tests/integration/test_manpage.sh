#!/bin/bash
# test_manpage: docs/sotto.1 renders without a warning, and names every
# command and option that the program's own usage texts name, so the
# manual can't fall behind the code.
set -u
bin=${SOTTO_BIN:-${SOTTO_BUILD_DIR:-build}/sotto}
page=${SOTTO_SOURCE_DIR:-.}/docs/sotto.1
fail=0

if command -v man >/dev/null 2>&1; then
	w=$(MANWIDTH=80 timeout 20 man --warnings -l "$page" 2>&1 >/dev/null)
	if [[ -n $w ]]; then
		echo "FAIL: man --warnings: $w"
		fail=1
	fi
else
	echo "note: man is not installed; rendering not checked"
fi

# The page spells '-' as '\-'; compare against its unescaped text.
text=$(sed 's/\\-/-/g' "$page")
for cmd in host join room relay; do
	usage=$(timeout 10 "$bin" help "$cmd" 2>&1)
	if [[ -z $usage ]]; then
		echo "FAIL: 'sotto help $cmd' printed nothing"
		fail=1
		continue
	fi
	for opt in $(grep -oE -- '--[a-z][a-z-]*' <<<"$usage" | sort -u); do
		if ! grep -qF -- "$opt" <<<"$text"; then
			echo "FAIL: $opt (from 'sotto help $cmd') is not in docs/sotto.1"
			fail=1
		fi
	done
done
[[ $fail -eq 0 ]] && echo "manpage: ok"
exit $fail
