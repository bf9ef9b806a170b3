#!/usr/bin/env bash
# deps.sh: installs the Debian 12 packages sotto needs to build, test and
# fuzz, but only those that are missing.  With nothing missing it touches
# neither the network nor apt, so it also works as a normal user.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config cmake clang libclang-rt-14-dev
	libsodium-dev libevent-dev libcmocka-dev libncurses-dev
	liboath-dev libzxcvbn-dev libsqlite3-dev libicu-dev
	tmux ngircd python3 microsocks
	libnats-dev nats-server
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ $status == ii* ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo -n)
	else
		echo "deps: missing ${missing[*]}, and not root (no sudo)" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
# Bounded: a stuck mirror must not eat CI's whole budget.
timeout 600 "${sudo[@]}" apt-get update -q </dev/null
timeout 1200 "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null
echo "deps: done"
