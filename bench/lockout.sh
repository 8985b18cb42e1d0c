#!/usr/bin/env bash
# Wrong passwords for an existing and an unknown username: checks that both
# lock alike and prints the response times of each, before and after the
# lock, and with every attempt hashing. Flags go to bench/lockout.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/lockout "$@"
