#!/bin/bash
exec /usr/bin/python3 -B "$(dirname "$0")/test_ipv6.py" "$@"
