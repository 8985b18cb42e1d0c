#!/usr/bin/env bash
# Requests per second for /healthz and a database-reading page, beside the
# bare SQL reads behind the page, in one run. Flags go to bench/http.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/http "$@"
