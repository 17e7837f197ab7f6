#!/usr/bin/env bash
# Streebog-512 throughput of package gost against OpenSSL's gost-engine, on one file.
#
# Installs nothing. Needs: go, openssl with the gost engine
# (Debian: apt-get install libengine-gost-openssl). Creates a SIZE_MB MiB file of random
# bytes (default 100), hashes it RUNS times (default 5) with each tool, alternating,
# checks that both print the same digest, and prints the best time of each, the
# throughput and the ratio gost/openssl (target ≥ 0.70). Exit status 2: no engine.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-5}

if ! command -v openssl >/dev/null || ! openssl engine gost >/dev/null 2>&1; then
	echo "bench-streebog: OpenSSL's gost engine is not available (Debian: apt-get install libengine-gost-openssl)" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
file="$tmp/streebog-bench.bin"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$file"
go build -o "$tmp/gostsum" ./gost/internal/gostsum
cat "$file" >/dev/null # warm the page cache

now() { date +%s%N; }
best_go=""
best_ossl=""
for ((i = 1; i <= RUNS; i++)); do
	t0=$(now)
	ossl_sum=$(openssl dgst -engine gost -streebog512 -r "$file" 2>/dev/null | cut -d' ' -f1)
	t1=$(now)
	go_sum=$("$tmp/gostsum" -hash streebog512 "$file" | cut -d' ' -f1)
	t2=$(now)
	if [[ "$ossl_sum" != "$go_sum" ]]; then
		echo "bench-streebog: digests differ: openssl $ossl_sum, gost $go_sum" >&2
		exit 1
	fi
	d_ossl=$((t1 - t0))
	d_go=$((t2 - t1))
	if [[ -z "$best_ossl" || $d_ossl -lt $best_ossl ]]; then best_ossl=$d_ossl; fi
	if [[ -z "$best_go" || $d_go -lt $best_go ]]; then best_go=$d_go; fi
done

bytes=$((SIZE_MB * 1024 * 1024))
awk -v b="$bytes" -v g="$best_go" -v o="$best_ossl" -v mb="$SIZE_MB" -v runs="$RUNS" -v sum="$go_sum" 'BEGIN {
	printf "file: %d MiB of random bytes, best of %d runs each (wall time, including process start and file reads)\n", mb, runs
	printf "digest (both):          %s…\n", substr(sum, 1, 32)
	printf "openssl gost-engine:    %8.3f s  %7.1f MB/s\n", o / 1e9, b / (o / 1e9) / 1e6
	printf "gost (this package):    %8.3f s  %7.1f MB/s\n", g / 1e9, b / (g / 1e9) / 1e6
	printf "ratio gost/openssl:     %8.2f  (target >= 0.70)\n", o / g
}'
