#!/bin/bash
exec /usr/bin/python3 -B "$(dirname "$0")/test_proxy_rdv_slow.py" "$@"
