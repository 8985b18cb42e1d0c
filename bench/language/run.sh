#!/usr/bin/env bash
# Throughput of the language checker beside grep on the same 100 MiB corpus.
#
#   bash bench/language/run.sh [SIZE_BYTES] [SEED]
#
# Generates a deterministic corpus of case-note-like text (a flagged phrase
# every 50–200 sentences) under $VIGIL_BENCH_DIR (default
# /tmp/vigil-bench-language; nothing is written into the repository),
# extracts the lexicon's literal phrases for grep -F, then times the checker
# and LC_ALL=C grep -F -i -c -f phrases.txt corpus.txt in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-104857600}
seed=${2:-1}
dir=${VIGIL_BENCH_DIR:-/tmp/vigil-bench-language}
mkdir -p "$dir"
corpus="$dir/corpus-$size-$seed.txt"
go build -o "$dir/langbench" ./internal/language/internal/langbench
if [ ! -s "$corpus" ] || [ "$(stat -c %s "$corpus")" != "$size" ]; then
	echo "generating $corpus"
	"$dir/langbench" gen -size "$size" -seed "$seed" -out "$corpus"
fi
sha256sum "$corpus" | cut -c1-16 | sed 's/^/corpus sha256: /'
"$dir/langbench" phrases -out "$dir/phrases.txt"
"$dir/langbench" measure -corpus "$corpus" -phrases "$dir/phrases.txt" -runs 3
