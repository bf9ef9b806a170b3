#!/usr/bin/env bash
# run.sh: installs what is missing, builds into build/ and runs sotto with
# the given arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh >&2
cmake -S . -B build >&2
cmake --build build -j2 >&2
exec build/sotto "$@"
