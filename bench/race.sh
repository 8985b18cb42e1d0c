#!/usr/bin/env bash
# The race tests of the missing-children store, long, on PostgreSQL, many
# times in a row: two reports of one child at the same moment (one open
# episode, one 409), two new plans at once (one active plan, one 409), and
# found, prevention and return-interview steps on many episodes at once (no
# deadlock, so no 409). SQLite's one writer hides these races; PostgreSQL
# under READ COMMITTED shows them.
#
#   bash bench/race.sh [-n RUNS] [-t TRIES] [-e EPISODES]
#
# Defaults: 100 runs of 200 tries each and 60 episodes. Stops at the first
# failing run, and prints how many runs passed in a row, the pairs and steps
# raced, and the time a run took. Needs a PostgreSQL server: VIGIL_TEST_POSTGRES
# (as in .ci/run), or postgres://postgres@127.0.0.1:5432/postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=100 tries=200 episodes=60
while getopts "n:t:e:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    t) tries=$OPTARG ;;
    e) episodes=$OPTARG ;;
    *) echo "usage: bash bench/race.sh [-n RUNS] [-t TRIES] [-e EPISODES]" >&2; exit 2 ;;
  esac
done
export VIGIL_TEST_POSTGRES=${VIGIL_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
export VIGIL_RACE_TRIES=$tries VIGIL_RACE_EPISODES=$episodes
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/sqlstore.test" ./internal/sqlstore
tests='^(TestRaceOneOpenEpisode|TestRaceOneActivePlan|TestRaceStepsOnDifferentEpisodes)$/^postgres$'
echo "PostgreSQL: $(psql "$VIGIL_TEST_POSTGRES" -qAtc 'SHOW server_version' 2>/dev/null || echo '?'); $runs runs of $tries report pairs, $tries plan pairs and 3 × $episodes steps at once"
start=$(date +%s)
# One process for every run, so the demo force is loaded into a template
# once; -test.failfast stops at the first failure.
set +e
(cd internal/sqlstore && "$bin/sqlstore.test" -test.run "$tests" -test.count "$runs" -test.failfast -test.v 2>&1) |
  awk '
    /--- PASS: TestRace[A-Za-z]+\/postgres/ { passed++; if (passed % 30 == 0) { printf "%d runs passed\n", passed / 3; fflush() } }
    /--- FAIL|_test.go:[0-9]+:/ { print; fflush(); failed = 1 }
    END { printf "%d\n", passed > "/dev/stderr" }' 2>"$bin/passed"
status=${PIPESTATUS[0]}
set -e
elapsed=$(($(date +%s) - start))
passed=$(($(cat "$bin/passed") / 3))
if ((status != 0 || passed != runs)); then
  echo "failed after $passed runs passed in a row ($elapsed s)" >&2
  exit 1
fi
echo "$passed of $runs runs passed in a row: $((passed * tries)) report pairs, $((passed * tries)) plan pairs, $((passed * 3 * episodes)) steps raced; $elapsed s, $((elapsed / passed)) s a run"
