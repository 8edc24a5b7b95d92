#!/usr/bin/env bash
# The whole test suite: every crate on SQLite, then the same suite against the local
# PostgreSQL (127.0.0.1:5432, user postgres) when it is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

# This run's own files and databases: another run on the same machine keeps its own.
RUN="r$$"
export SANSHE_TEST_RUN="$RUN"
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/sanshe-tests.XXXXXX")"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

echo "== tests on SQLite"
cargo test --workspace --all-targets

PG_URL="${SANSHE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "== the same suite on PostgreSQL ($PG_URL)"
  SANSHE_TEST_DATABASE_URL="$PG_URL" cargo test --workspace --all-targets
  # Each test made its own database; remove them.
  if command -v psql >/dev/null; then
    psql -q -h 127.0.0.1 -U postgres -d postgres -At \
      -c "SELECT 'DROP DATABASE IF EXISTS ' || datname || ';' FROM pg_database WHERE datname LIKE 'sanshe\\_t\\_${RUN}\\_%'" \
      | psql -q -h 127.0.0.1 -U postgres -d postgres >/dev/null || true
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI but nothing listens on 127.0.0.1:5432" >&2
  exit 1
else
  echo "== PostgreSQL run skipped: nothing listens on 127.0.0.1:5432"
fi
echo "== all tests passed"
