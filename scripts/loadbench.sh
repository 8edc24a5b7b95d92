#!/usr/bin/env bash
# The HTTP load benchmark: builds the release binary, loads a data set of the given scale into a
# fresh SQLite database (or the PostgreSQL database in SANSHE_BENCH_DATABASE_URL), starts the
# server, runs wrk (Debian's package) against list, detail, dashboard, portal, open-data and
# write endpoints at 1, 16 and 64 connections, and writes a table of requests/s, p50, p99 and
# the server's peak memory into docs/benchmarks.md with the date and the machine.
#
#   bash scripts/loadbench.sh [district|province|national] [seconds per run]
#
# district: the demo district (常州市武进区); province: Jiangsu's real divisions with generated
# registries; national: every community in the country (loading takes tens of minutes).
set -euo pipefail
SCALE="${1:-district}"
SECS="${2:-10}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIVISIONS="${SANSHE_DIVISIONS:-$ROOT/../shared/data/divisions}"
case "$SCALE" in district|province|national) ;; *) echo "scale: district, province or national" >&2; exit 2 ;; esac

echo "== release build"
(cd "$ROOT" && cargo build --release -q -p sanshe)
BIN="$ROOT/target/release/sanshe"

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)"
  apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
export SANSHE_PII_KEY="$("$BIN" pii new-key)"
if [ -n "${SANSHE_BENCH_DATABASE_URL:-}" ]; then export SANSHE_DATABASE_URL="$SANSHE_BENCH_DATABASE_URL"; fi

echo "== loading the $SCALE data set"
LOAD_START=$(date +%s)
if [ "$SCALE" = district ]; then
  "$BIN" demo >/dev/null
  OFFICER=district
  RESIDENT=resident
else
  "$BIN" generate --scale "$SCALE" --divisions "$DIVISIONS" >/dev/null
  printf 'Bench-load-2026!\n' | "$BIN" user create bench-officer --role district_admin --scope 320412 --password-stdin >/dev/null
  printf 'Bench-load-2026!\n' | "$BIN" user create bench-resident --role resident --password-stdin >/dev/null
  OFFICER=bench-officer
  RESIDENT=bench-resident
fi
LOAD_SECS=$(( $(date +%s) - LOAD_START ))
TOKEN="$("$BIN" token create "$OFFICER" --name loadbench)"
RTOKEN="$("$BIN" token create "$RESIDENT" --name loadbench)"

# SANSHE_SQL_TIMING=1: the server adds up the driver's time for every statement, which the
# one-connection runs compare with the time the server spends on each request (goal 1).
SANSHE_SQL_TIMING=1 "$BIN" serve --listen 127.0.0.1:0 >"$WORK/out.log" 2>"$WORK/err.log" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 240); do
  BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/out.log" 2>/dev/null | head -1 || true)
  [ -n "$BASE" ] && curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
[ -n "$BASE" ] || { cat "$WORK/err.log"; echo "server did not start" >&2; exit 1; }

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ORG=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations?page=1&per_page=1" | json 'd["items"][0]["id"]')
WORKER=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/social-workers?page=1&per_page=1" | json 'd["items"][0]["id"]')
COMMUNITY=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/areas?level=community&within=320412&page=1" | json 'd["items"][0]["code"]')
CATEGORY=$(curl -fs -H "Authorization: Bearer $RTOKEN" "$BASE/api/v1/needs/categories" | json 'd[0]["code"]')
# Workflow records for their detail rows (none at province or national scale: those rows are
# left out).
first_id() { curl -fs -H "Authorization: Bearer $TOKEN" "$BASE$1" | json 'd["items"][0]["id"] if d["items"] else ""'; }
EVAL=$(first_id "/api/v1/purchase/evaluations?page=1")
AWARD=$(first_id "/api/v1/award-lists?page=1")

# A resident raising a need: the write path (validation, one row, workflow history, audit chain).
cat >"$WORK/need.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $RTOKEN"
wrk.body = '{"area":"$COMMUNITY","category":"$CATEGORY","title":"楼道灯坏了","description":"三单元楼道灯坏了一周，老人夜里上下楼不便。","people":12}'
EOF

# An officer importing a 50-row facility sheet: checking, a multi-row write, the roll-up
# marks and the audit entry. Every request's rows have names of their own (run, thread, count).
cat >"$WORK/import.lua" <<EOF
local n = 0
local id = 0
local ids = 0
local stamp = 0
function setup(thread)
  ids = ids + 1
  thread:set("id", ids)
end
function init(args)
  id = wrk.thread:get("id")
  stamp = os.time()
end
function request()
  n = n + 1
  local rows = {"所属区划,设施名称,设施类型,面积（平方米）"}
  for i = 1, 50 do
    rows[#rows + 1] = "$COMMUNITY,压测设施" .. stamp .. "-" .. id .. "-" .. n .. "-" .. i .. ",special,80"
  end
  local headers = {}
  headers["Content-Type"] = "application/octet-stream"
  headers["Authorization"] = "Bearer $TOKEN"
  return wrk.format("POST", nil, headers, table.concat(rows, "\n") .. "\n")
end
EOF

# name | method | path | token
ENDPOINTS=(
  "organizations list|GET|/api/v1/organizations?page=1|$TOKEN"
  "social workers list|GET|/api/v1/social-workers?page=1|$TOKEN"
  "organization detail|GET|/api/v1/organizations/$ORG|$TOKEN"
  "social worker detail|GET|/api/v1/social-workers/$WORKER|$TOKEN"
  "district targets|GET|/api/v1/targets?area=320412|$TOKEN"
  ${EVAL:+"evaluation detail|GET|/api/v1/purchase/evaluations/$EVAL|$TOKEN"}
  ${AWARD:+"award list detail|GET|/api/v1/award-lists/$AWARD|$TOKEN"}
  "public portal (HTML)|GET|/public|"
  "OCDS releases|GET|/api/ocds/releases|"
  "needs list|GET|/api/v1/needs?page=1|$TOKEN"
  "purchase projects list|GET|/api/v1/purchase/projects?page=1|$TOKEN"
  "contracts list|GET|/api/v1/purchase/contracts?page=1|$TOKEN"
  "evaluations list|GET|/api/v1/purchase/evaluations?page=1|$TOKEN"
  "award lists|GET|/api/v1/award-lists?page=1|$TOKEN"
  "venture rounds|GET|/api/v1/venture/rounds?page=1|$TOKEN"
  "ratings list|GET|/api/v1/ratings?page=1|$TOKEN"
  "raise a need (write)|POST|/api/v1/needs|"
  "import 50 facilities (write)|POST|/api/v1/facilities/import|"
)

to_ms() { # wrk prints 812.00us, 1.23ms or 1.02s
  python3 -c "
import sys, re
v = sys.argv[1]
m = re.match(r'([0-9.]+)(us|ms|s|m)', v)
n, u = float(m.group(1)), m.group(2)
print('%.2f' % (n / 1000 if u == 'us' else n if u == 'ms' else n * 1000 if u == 's' else n * 60000))
" "$1"
}

# The server's own counters: request time and count, statement time and count.
clocks() {
  curl -fs "$BASE/metrics" | awk '
    /^sanshe_http_request_duration_seconds_sum/ {r=$2}
    /^sanshe_http_request_duration_seconds_count/ {n=$2}
    /^sanshe_db_statement_seconds_sum/ {q=$2}
    /^sanshe_db_statement_seconds_count/ {k=$2}
    END {print r, n, q, k}'
}

ROWS=""
SQLROWS=""
SCALEROWS=""
for e in "${ENDPOINTS[@]}"; do
  IFS='|' read -r NAME METHOD PATH_ TOK <<<"$e"
  for C in 1 16 64; do
    ARGS=(-t2 -c"$C" -d"${SECS}s" --latency --timeout 10s)
    [ "$C" = 1 ] && ARGS=(-t1 -c1 -d"${SECS}s" --latency --timeout 10s)
    case "$PATH_" in
      */import) ARGS+=(-s "$WORK/import.lua") ;;
      *) if [ "$METHOD" = POST ]; then ARGS+=(-s "$WORK/need.lua"); fi ;;
    esac
    if [ -n "$TOK" ]; then ARGS+=(-H "Authorization: Bearer $TOK"); fi
    BEFORE=$(clocks)
    OUT=$(wrk "${ARGS[@]}" "$BASE$PATH_" 2>&1)
    AFTER=$(clocks)
    RPS=$(awk '/Requests\/sec/ {print $2}' <<<"$OUT")
    P50=$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$OUT")")
    P99=$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$OUT")")
    BAD=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$OUT")
    echo "$NAME c=$C: $RPS req/s, p50 $P50 ms, p99 $P99 ms${BAD:+, $BAD non-2xx}"
    ROWS+="| $NAME | $C | $RPS | $P50 | $P99 | ${BAD:-0} |"$'\n'
    if [ "$C" = 1 ]; then
      # Per request, inside the server: all of it, and the part inside SQL statements.
      SQLROWS+=$(python3 -c "
import sys
b = [float(x) for x in sys.argv[1].split()]
a = [float(x) for x in sys.argv[2].split()]
n = max(a[1] - b[1] - 1, 1)  # less the /metrics request that took the first reading
req = (a[0] - b[0]) / n * 1000
sql = (a[2] - b[2]) / n * 1000
stm = (a[3] - b[3] - 1) / n  # less that reading's ping
print('| %s | %.3f | %.3f | %.1f | %s | %.2f |' % (sys.argv[3], req, sql, stm, sys.argv[4], req / sql if sql > 0 else float('nan')))
" "$BEFORE" "$AFTER" "$NAME" "$P50")$'\n'
      RPS1=$RPS
      P50_1=$P50
    fi
    if [ "$C" = 64 ]; then
      SCALEROWS+=$(python3 -c "
import sys
rps1, rps16, rps64, p50, p99 = map(float, sys.argv[2:7])
cap = rps1 * int(sys.argv[7])  # the one-connection rate on every core
print('| %s | %.0f | %.2f | %.2f | %.2f |' % (sys.argv[1], cap, cap / rps16, cap / rps64, p99 / p50))
" "$NAME" "$RPS1" "$RPS16" "$RPS" "$P50" "$P99" "$(nproc)")$'\n'
    fi
    [ "$C" = 16 ] && RPS16=$RPS
  done
done
PEAK=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status")
BACKEND=SQLite
[ -n "${SANSHE_BENCH_DATABASE_URL:-}" ] && BACKEND=PostgreSQL
CORES=$(nproc)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
COMMIT=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)

SECTION="<!-- loadbench:$SCALE:$BACKEND:begin -->
### HTTP load, $SCALE scale, $BACKEND ($(date -u +%Y-%m-%d))

\`bash scripts/loadbench.sh $SCALE $SECS\` on commit $COMMIT: release build, $CORES cores, $MEM;
wrk ${SECS} s per run with 1 thread at 1 connection and 2 threads at 16 and 64, on the same
machine as the server (so the load generator takes CPU from it). Data loaded in ${LOAD_SECS} s.
Peak resident memory of the server over all runs: ${PEAK} MB. Latencies in ms; \"non-2xx\"
counts refused requests (for the write: throttling or validation), which must stay 0 for reads.

| endpoint | connections | requests/s | p50 | p99 | non-2xx |
|---|---|---|---|---|---|
${ROWS}
Goal 1, a request against its own SQL (the one-connection runs): the server's time per
request from its metrics (from the request's arrival at the router to its answer), and the
part of it inside database statements as the driver times each one (first step to last row),
with the statements per request. \"p50 at the client\" adds the loopback and the load
generator.

| endpoint | server ms per request | SQL ms per request | statements | p50 at the client | request ÷ SQL |
|---|---|---|---|---|---|
${SQLROWS}
Goal 2, scaling: \"capacity\" is the one-connection rate times the cores ($CORES), what
the server would serve if nothing were shared; the goal is capacity ÷ requests/s ≤ 2 at 16
and 64 connections, and p99 ≤ 4 × p50 at 64.

| endpoint | capacity req/s | capacity ÷ rate at 16 | capacity ÷ rate at 64 | p99 ÷ p50 at 64 |
|---|---|---|---|---|
${SCALEROWS}<!-- loadbench:$SCALE:$BACKEND:end -->"

DOC="$ROOT/docs/benchmarks.md"
SECTION="$SECTION" python3 - "$DOC" "$SCALE" "$BACKEND" <<'PY'
import os, sys
doc, scale, backend = sys.argv[1:4]
section = os.environ["SECTION"]
text = open(doc, encoding="utf-8").read()
begin = f"<!-- loadbench:{scale}:{backend}:begin -->"
end = f"<!-- loadbench:{scale}:{backend}:end -->"
if begin in text and end in text:
    a = text.index(begin)
    b = text.index(end) + len(end)
    text = text[:a] + section + text[b:]
else:
    if "## HTTP load" not in text:
        text = text.rstrip("\n") + "\n\n## HTTP load\n\nWritten by `scripts/loadbench.sh` (see its header); each scale and backend keeps its latest run.\n"
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w", encoding="utf-8").write(text)
PY
echo "== docs/benchmarks.md updated ($SCALE, $BACKEND)"
