#!/bin/bash
exec /usr/bin/python3 "$(dirname "$0")/test_tofu.py" "$@"
