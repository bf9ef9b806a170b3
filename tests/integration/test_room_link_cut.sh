#!/bin/bash
# sotto-test: long (sleeps through a real outage; see CMakeLists.txt)
exec /usr/bin/python3 -B "$(dirname "$0")/test_room_link_cut.py" "$@"
