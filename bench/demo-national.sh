#!/usr/bin/env bash
# Loads the national stress scale (a million children) through the bulk
# path and reports the time, the database's size and the peak memory.
#   bash bench/demo-national.sh            # SQLite, in a temporary folder
#   bash bench/demo-national.sh postgres   # a new database on 127.0.0.1:5432
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/vigil" ./cmd/vigil
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)"; exit 1; }
if [ "$engine" = postgres ]; then
  name="vigil_bench_$$"
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "CREATE DATABASE $name"
  trap 'psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"; rm -rf "$work"' EXIT
  db="postgres://postgres@127.0.0.1:5432/$name?sslmode=disable"
else
  db="sqlite:$work/vigil.db"
fi
/usr/bin/time -v "$work/vigil" demo --scale national --db "$db" 2> >(tee "$work/time.txt" >&2)
echo
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/time.txt"
if [ "$engine" = postgres ]; then
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qAtc "SELECT 'Database size: ' || pg_size_pretty(pg_database_size('$name'))"
else
  du -ch "$work"/vigil.db* | tail -1 | sed 's/^/Database size (with WAL): /'
fi
