#!/usr/bin/env bash
# The project's test command (the README's): vet, then every test with the race
# detector, the end-to-end tests included (they build and run the real binaries);
# with NCA_TEST_DATABASE_URL set (.ci/run sets it when PostgreSQL is reachable), once
# on SQLite and once on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
export CI="${CI:-}"
echo "== go vet ./..."
go vet ./...
echo "== go test -race ./... (SQLite)"
NCA_TEST_DATABASE_URL= go test -race -count=1 -timeout 30m ./...
if [ -n "${NCA_TEST_DATABASE_URL:-}" ]; then
  # Again every package whose code or tests use a store, each store a PostgreSQL
  # schema of its own.
  pkgs=$(go list -f '{{.ImportPath}} {{join .Deps " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
    awk '/ github.com\/opennca\/nca\/store( |$)/ || / github.com\/opennca\/nca\/store\/storetest( |$)/ {print $1}')
  echo "== go test -race (PostgreSQL: $NCA_TEST_DATABASE_URL)" $pkgs
  go test -race -count=1 -timeout 30m $pkgs
fi
