#!/usr/bin/env bash
# The project's test command (the README's): vet, then every test with the race
# detector, the end-to-end tests included (they build and run the real binaries).
set -euo pipefail
cd "$(dirname "$0")"
export CI="${CI:-}"
echo "== go vet ./..."
go vet ./...
echo "== go test -race ./..."
go test -race -count=1 -timeout 30m ./...
