#!/bin/bash
# sotto-test: long
exec /usr/bin/python3 -B "$(dirname "$0")/test_rdv_splice_bounds.py" "$@"
