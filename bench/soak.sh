#!/usr/bin/env bash
# Soak test: one Release server under the README's load (`scalechat load`, its default workload:
# 1,000 clients in 20 rooms, 100 publishers, 200 messages/s) for a long time, with churn at the
# same time (clients connecting and leaving, rooms made and abandoned: the benchmark probe's
# `churn` mode). Every 10 s it samples the server's RSS (/proc/PID/status), open connections,
# rooms and history size (/api/stats) into a CSV. At the end it prints a summary:
#   - RSS after warm-up (the first 20 % of the run) against RSS at the end: must be within 10 %;
#   - connections left open once every client has stopped: must be 0;
#   - the load's deliveries and loss: nothing may be lost.
# Exit code 0 when all three hold, 1 when one does not, 2 when it could not run.
# Not part of CI. Needs the .NET SDK, curl and jq. Sends traffic to 127.0.0.1 only.
#
# Usage:
#   bash bench/soak.sh                                   # 30 minutes, builds the server from this checkout
#   bash bench/soak.sh --duration 2m                     # a short trial (SOAK_DURATION=2m does the same)
#   bash bench/soak.sh --server /tmp/scalechat-before/scalechat.dll --out /tmp/soak-before
#
# Options (each also as a variable):
#   --duration D     SOAK_DURATION     measured time of the load, e.g. 30m, 90s, 1h (default 30m)
#   --server DLL     SOAK_SERVER       server build to run (default: dotnet publish src/ScaleChat.Cli into OUT/server)
#   --load-cli DLL   SOAK_LOAD_CLI     `scalechat` build whose `load` drives the load (default: the server's)
#   --bench DLL      SOAK_BENCH        ScaleChat.Benchmarks.dll for the churn (default: dotnet build -c Release bench/ScaleChat.Benchmarks)
#   --out DIR        SOAK_OUT          folder for every file (default ${TMPDIR:-/tmp}/scalechat-soak-DATE)
#   --port N         SOAK_PORT         server port on 127.0.0.1 (default 18180)
#   --interval S     SOAK_INTERVAL     seconds between samples (default 10)
#   --churn-clients N  SOAK_CHURN_CLIENTS  churning connections at once (default 4)
#   --churn-rate R     SOAK_CHURN_RATE     rooms each makes per second: join, send 4 KB, leave (default 2)
#   --churn-rooms N    SOAK_CHURN_ROOMS    rooms per connection before it closes and a new one opens (default 10)
#   -- ARGS...                         anything after -- goes to `serve`, e.g. -- --ScaleChat:HistorySize=100
#
# Files in OUT: samples.csv (one row per sample), summary.txt, server.log, load.log and load/
# (report.json, report.html, timeseries.csv), churn.log, commands.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${SOAK_DURATION:-30m}"
SERVER="${SOAK_SERVER:-}"
LOAD_CLI="${SOAK_LOAD_CLI:-}"
BENCH="${SOAK_BENCH:-}"
OUT="${SOAK_OUT:-${TMPDIR:-/tmp}/scalechat-soak-$(date +%Y%m%d-%H%M%S)}"
PORT="${SOAK_PORT:-18180}"
INTERVAL="${SOAK_INTERVAL:-10}"
CHURN_CLIENTS="${SOAK_CHURN_CLIENTS:-4}"
CHURN_RATE="${SOAK_CHURN_RATE:-2}"
CHURN_ROOMS="${SOAK_CHURN_ROOMS:-10}"
SERVE_ARGS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
fail() { echo "soak: $*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --server) SERVER="$2"; shift 2 ;;
    --load-cli) LOAD_CLI="$2"; shift 2 ;;
    --bench) BENCH="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --interval) INTERVAL="$2"; shift 2 ;;
    --churn-clients) CHURN_CLIENTS="$2"; shift 2 ;;
    --churn-rate) CHURN_RATE="$2"; shift 2 ;;
    --churn-rooms) CHURN_ROOMS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; SERVE_ARGS=("$@"); break ;;
    *) fail "unknown option '$1' (--help lists them)" ;;
  esac
done

seconds_of() {
  case "$1" in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo $(( ${1%s} )) ;;
    *) echo $(( $1 )) ;;
  esac
}
[[ "$DURATION" =~ ^[0-9]+[hms]?$ ]] || fail "--duration must be like 30m, 90s or 1h, not '$DURATION'"
SECONDS_MEASURED="$(seconds_of "$DURATION")"
((SECONDS_MEASURED >= 30)) || fail "--duration must be at least 30s"
[[ "$INTERVAL" =~ ^[0-9]+$ ]] && ((INTERVAL >= 1)) || fail "--interval must be a whole number of seconds"
for tool in dotnet curl jq; do command -v "$tool" > /dev/null || fail "needs $tool"; done
if command -v ss > /dev/null && ss -ltn "sport = :$PORT" | grep -q LISTEN; then fail "port $PORT is in use (--port N)"; fi

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
echo "soak: files in $OUT"

# Everything started here is remembered by PID and stopped on the way out, whatever happens.
SERVER_PID="" LOAD_PID="" CHURN_PID="" SAMPLER_PID=""
cleanup() {
  local pid
  for pid in "$SAMPLER_PID" "$CHURN_PID" "$LOAD_PID"; do
    [[ -n "$pid" ]] && kill -TERM "$pid" 2> /dev/null || true
  done
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2> /dev/null; then
    kill -TERM "$SERVER_PID" 2> /dev/null || true
    for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 1; done
    kill -KILL "$SERVER_PID" 2> /dev/null || true
  fi
  rm -f "$OUT/.phase" "$OUT/.t0"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "$SERVER" ]]; then
  echo "soak: building the server (dotnet publish src/ScaleChat.Cli -c Release -o $OUT/server)"
  dotnet publish "$ROOT/src/ScaleChat.Cli" -c Release -o "$OUT/server" > "$OUT/build-server.log" 2>&1 \
    || fail "server build failed, see $OUT/build-server.log"
  SERVER="$OUT/server/scalechat.dll"
fi
[[ -f "$SERVER" ]] || fail "no server build at $SERVER"
LOAD_CLI="${LOAD_CLI:-$SERVER}"
if [[ -z "$BENCH" ]]; then
  echo "soak: building the churn probe (dotnet build -c Release bench/ScaleChat.Benchmarks)"
  dotnet build -c Release "$ROOT/bench/ScaleChat.Benchmarks" > "$OUT/build-bench.log" 2>&1 \
    || fail "probe build failed, see $OUT/build-bench.log"
  BENCH="$ROOT/bench/ScaleChat.Benchmarks/bin/Release/net10.0/ScaleChat.Benchmarks.dll"
fi
[[ -f "$BENCH" ]] || fail "no probe build at $BENCH"

URL="ws://127.0.0.1:$PORT/ws"
STATS="http://127.0.0.1:$PORT/api/stats"
LOAD_CMD=(dotnet "$LOAD_CLI" load --url "$URL" --duration "${SECONDS_MEASURED}s" --report "$OUT/load")
# The churn runs through the load's warm-up (5 s) and measured time.
CHURN_CMD=(dotnet "$BENCH" churn --url "$URL" --clients "$CHURN_CLIENTS" --rate "$CHURN_RATE"
  --rooms-per-connection "$CHURN_ROOMS" --size 4096 --seconds $((SECONDS_MEASURED + 5)))
SERVE_CMD=(dotnet "$SERVER" serve --urls "http://127.0.0.1:$PORT" "${SERVE_ARGS[@]}")
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), .NET SDK $(dotnet --version), open files $(ulimit -n)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server:  ${SERVE_CMD[*]}"
  echo "load:    ${LOAD_CMD[*]}"
  echo "churn:   ${CHURN_CMD[*]}"
} > "$OUT/commands.txt"
cat "$OUT/commands.txt"

"${SERVE_CMD[@]}" > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$SERVER_PID" 2> /dev/null || fail "the server exited at start, see $OUT/server.log"
  sleep 0.5
done
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" || fail "the server did not become healthy in 60 s"
echo "soak: server pid $SERVER_PID on 127.0.0.1:$PORT"

# One CSV row: when, phase, memory from /proc, and the server's own figures.
CSV="$OUT/samples.csv"
echo "time_utc,elapsed_s,phase,rss_kb,hwm_kb,connections,rooms,users,history_messages,gc_heap_bytes,delivered_per_s" > "$CSV"
sample() {
  local now elapsed rss hwm stats
  now=$(date +%s)
  elapsed=$((now - $(cat "$OUT/.t0")))
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2> /dev/null || true)
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status" 2> /dev/null || true)
  stats=$(curl -s --max-time 3 "$STATS" 2> /dev/null \
    | jq -r '[.connections.total, .rooms, .users, .historyMessages, .process.gcHeapBytes, .messages.deliveredPerSecond] | map(tostring) | join(",")' 2> /dev/null \
    || echo ",,,,,")
  echo "$(date -u +%H:%M:%S),$elapsed,$(cat "$OUT/.phase"),$rss,$hwm,$stats" >> "$CSV"
}
connections() { curl -s --max-time 3 "$STATS" | jq -r '.connections.total' 2> /dev/null || echo "?"; }

sleep 2
date +%s > "$OUT/.t0"
echo idle > "$OUT/.phase"
sample
echo run > "$OUT/.phase"
(
  next=$(cat "$OUT/.t0")
  while true; do
    sample
    next=$((next + INTERVAL))
    pause=$((next - $(date +%s)))
    ((pause > 0)) && sleep "$pause"
  done
) &
SAMPLER_PID=$!

# Both stop by themselves; `timeout` is the backstop if one hangs.
timeout --signal=TERM $((SECONDS_MEASURED + 300)) "${LOAD_CMD[@]}" > "$OUT/load.log" 2>&1 &
LOAD_PID=$!
timeout --signal=TERM $((SECONDS_MEASURED + 120)) "${CHURN_CMD[@]}" > "$OUT/churn.log" 2>&1 &
CHURN_PID=$!
echo "soak: load (pid $LOAD_PID) and churn (pid $CHURN_PID) running for $((SECONDS_MEASURED + 5)) s plus connect and drain; sampling every $INTERVAL s into $CSV"

load_status=0
wait "$LOAD_PID" || load_status=$?
LOAD_PID=""
churn_status=0
wait "$CHURN_PID" || churn_status=$?
CHURN_PID=""
kill -TERM "$SAMPLER_PID" 2> /dev/null || true
wait "$SAMPLER_PID" 2> /dev/null || true
SAMPLER_PID=""

# Every client has stopped: the open connections must come back to 0 (stats are renewed each second).
echo after > "$OUT/.phase"
left="?"
for _ in $(seq 1 30); do
  sleep 1
  left=$(connections)
  [[ "$left" == "0" ]] && break
done
sleep 1
sample
left=$(connections)

# Summary.
SECONDS_RUN=$(awk -F, '$3 == "run" {last = $2} END {print last + 0}' "$CSV")
read -r warm_at warm_rss end_at end_rss max_rss hist_warm hist_end < <(awk -F, -v warm="$((SECONDS_MEASURED / 5))" '
  $3 == "run" && $4 != "" {
    if (w == "" && $2 >= warm) { w = $2; wr = $4; hw = $9 }
    e = $2; er = $4; he = $9
    if ($4 > m) m = $4
  }
  END { print (w == "" ? "-1" : w), (wr == "" ? 0 : wr), e + 0, er + 0, m + 0, (hw == "" ? 0 : hw), (he == "" ? 0 : he) }' "$CSV")
rss_verdict=FAIL
change="n/a"
if ((warm_rss > 0)); then
  change=$(awk -v a="$warm_rss" -v b="$end_rss" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')
  awk -v c="$change" 'BEGIN { exit !(c <= 10 && c >= -10) }' && rss_verdict=PASS
fi
conn_verdict=FAIL
[[ "$left" == "0" ]] && conn_verdict=PASS

REPORT="$OUT/load/report.json"
load_verdict=FAIL
load_line="no report (load exit code $load_status, see $OUT/load.log)"
if [[ -f "$REPORT" ]]; then
  load_line=$(jq -r '"expected \(.expected), delivered \(.delivered), lost \(.lost) (\(.lossRatio * 100 | tostring | .[0:6]) %), duplicates \(.duplicates), out of order \(.outOfOrder), p99 \(.latencyMs.p99) ms, max \(.latencyMs.max) ms, connect failures \(.connectFailures), disconnects \(.disconnects), errors \(.errorsByCode | tostring)"' "$REPORT")
  [[ "$(jq -r '.lost == 0 and .delivered > 0' "$REPORT")" == "true" ]] && load_verdict=PASS
fi
churn_line=$(grep -h '^churn done:' "$OUT/churn.log" | sed 's/^churn done: //' || true)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

{
  echo "soak summary ($(date -u +%Y-%m-%dT%H:%M:%SZ)), files in $OUT"
  echo "server $SERVER (pid $SERVER_PID), load measured ${SECONDS_MEASURED} s, samples every $INTERVAL s, $((SECONDS_RUN)) s sampled under load"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "RSS after warm-up (t=${warm_at} s): $(mib "$warm_rss") MiB; at the end (t=${end_at} s): $(mib "$end_rss") MiB; change ${change} %; highest $(mib "$max_rss") MiB  -> $rss_verdict (within 10 %)"
  echo "history messages held: ${hist_warm} after warm-up, ${hist_end} at the end"
  echo "connections open after every client stopped: $left  -> $conn_verdict (must be 0)"
  echo "load (exit code $load_status): $load_line  -> $load_verdict (nothing lost)"
  echo "churn (exit code $churn_status): ${churn_line:-see $OUT/churn.log}"
} | tee "$OUT/summary.txt"

[[ "$rss_verdict $conn_verdict $load_verdict" == "PASS PASS PASS" ]] || exit 1
exit 0
