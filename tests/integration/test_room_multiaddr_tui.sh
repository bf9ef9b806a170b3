#!/bin/bash
exec /usr/bin/python3 -B "$(dirname "$0")/test_room_multiaddr_tui.py" "$@"
