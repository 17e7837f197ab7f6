#!/usr/bin/env bash
# OCSP load: the authority's responder (cached answers, no nonce) against
# `openssl ocsp -port` on the same requests, over loopback, with the Go load
# generator cmd/ocspload. Figures go to docs/performance.md.
#
#   scripts/bench-ocsp.sh [certificates=1000] [connections=32] [seconds=10]
#
# The load generator and the servers share the machine's cores.
set -euo pipefail
n=${1:-1000}
c=${2:-32}
d=${3:-10}s
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/ocspload" "$root/cmd/ocspload"
"$work/ocspload" setup -dir "$work/d" -n "$n" -revoked $((n / 100))
for port in 18888 18889; do
	if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
		echo "bench-ocsp: port $port is in use" >&2
		exit 1
	fi
done
"$work/ocspload" serve -dir "$work/d" -listen 127.0.0.1:18888 >"$work/serve.log" 2>&1 &
pids+=($!)
(cd "$work/d" && exec openssl ocsp -port 18889 -index index.txt -CA ca.pem -rsigner ocsp-resp.pem \
	-rkey ocsp-resp.key -nmin 60 >"$work/openssl.log" 2>&1) &
pids+=($!)
# openssl ocsp -port serves one connection at a time: no probe connection to it.
sleep 2
for port in 18888; do
	for _ in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
		sleep 0.2
	done
done
echo "== nca responder (cached, POST)"
"$work/ocspload" run -url http://127.0.0.1:18888/ocsp/nca-rsa -dir "$work/d" -c "$c" -d "$d" -method POST
echo "== nca responder (cached, GET)"
"$work/ocspload" run -url http://127.0.0.1:18888/ocsp/nca-rsa -dir "$work/d" -c "$c" -d "$d" -method GET
echo "== openssl ocsp -port, one process, signing every answer (POST)"
"$work/ocspload" run -url http://127.0.0.1:18889/ -dir "$work/d" -c "$c" -d "$d" -method POST -warm=false
