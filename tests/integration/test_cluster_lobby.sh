#!/bin/bash
exec /usr/bin/python3 -B "$(dirname "$0")/test_cluster_lobby.py" "$@"
