#!/bin/bash
exec /usr/bin/python3 -B "$(dirname "$0")/test_relay_bcast.py" "$@"
