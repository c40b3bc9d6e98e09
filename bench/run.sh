#!/usr/bin/env bash
# Reruns the server's performance targets with one command and writes a markdown table (machine,
# commit, command, figures) into bench/results/run-DATE-COMMIT.md.
#
#   bench/run.sh                 # everything
#   STEPS="fanout ceiling" bench/run.sh
#
# Steps (STEPS, default all of them):
#   fanout   1,000 clients in one room, 10 publishers, 100-byte-class messages: the server pinned to
#            CPU 0, the independent generator (bench/gogen, gorilla/websocket) pinned to CPU 1; RATES
#            messages a second (deliveries = rate x 1,000), PASSES passes each, a fresh server each.
#   ceiling  rising rates, one pass each, until two in a row fail (p99 of 50 ms or more, or a delivery lost):
#            on a noisy machine one pass can fail a rate that the next, higher one holds.
#   idle     memory per idle connection with IDLE connections held (bench/ScaleChat.Benchmarks).
#   connect  connections a second and server CPU per connection (open mode): bench/gogen --connect
#            after CONNECT_WARMUP rounds of 5,000, pinned as fanout; then open against token mode.
#   alloc    allocations per delivery (BenchmarkDotNet, [MemoryDiagnoser]).
#   peer     server CPU per delivery against a chat server on node's `ws` (bench/nodews): the fan-out run
#            at PEER_RATES, alternating the two servers, PASSES passes each. Needs node and npm.
#
# Environment: SERVER_DLL (a scalechat.dll to measure instead of this tree's Release build), PASSES (2),
# RATES ("50 100 400"), PEER_RATES ("50"), CEILING ("200 300 400 600 800 1000 1200 1600 2000 2400 3200 4000"), WARMUP (20: on a saturated core
# the JIT takes seconds to compile the hot path fully, and a run should measure the steady state), DURATION (15),
# IDLE ("10000 19500"), PORT (18600), OUT (the results file). Needs golang-go and golang-github-gorilla-websocket-dev.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
steps=${STEPS:-fanout ceiling idle connect alloc peer}
passes=${PASSES:-2} rates=${RATES:-50 100 400} peer_rates=${PEER_RATES:-50} ceiling=${CEILING:-200 300 400 600 800 1000 1200 1600 2000 2400 3200 4000}
warmup=${WARMUP:-20} duration=${DURATION:-15} connect_warmup=${CONNECT_WARMUP:-20} idle_counts=${IDLE:-10000 19500} port=${PORT:-18600}
work=$(mktemp -d)
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "${SERVER_DLL:-}" ]; then
  dotnet build -c Release "$here/src/ScaleChat.Cli" -v q -nologo >/dev/null
  SERVER_DLL=$here/src/ScaleChat.Cli/bin/Release/net10.0/scalechat.dll
fi
cp -r "$(dirname "$SERVER_DLL")" "$work/server" # one server build for the whole sitting
dll=$work/server/$(basename "$SERVER_DLL")
commit=$(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- src || echo "+changes")
out=${OUT:-$here/bench/results/run-$(date -u +%Y-%m-%d)-${commit%%+*}.md}
hz=$(getconf CLK_TCK)

start_server() { # $1: scalechat (the default) or node; pinned to CPU 0; prints nothing, sets $server
  if [ "${1:-scalechat}" = node ]; then
    taskset -c 0 node "$here/bench/nodews/server.js" "$port" >"$work/server.log" 2>&1 &
  else
    taskset -c 0 dotnet "$dll" serve --urls "http://127.0.0.1:$port" --ScaleChat:Limits:MessagesPerSecond=1000000 \
      --ScaleChat:Limits:Burst=1000000 --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1 &
  fi
  server=$!
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
stop_server() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%d", s}'; }

# One fan-out run at $1 messages a second against server $2 (scalechat or node): prints a JSON line with
# the generator's figures, the server's CPU per delivery, objects per frame (ScaleChat's metrics only)
# and the generator's own CPU (its saturation).
fanout_run() {
  local rate=$1 before after frames0 objects0
  start_server "${2:-scalechat}"
  frames0=$(metric scalechat_frames_sent_total); objects0=$(metric scalechat_objects_sent_total)
  before=$(cpu_ticks "$server")
  /usr/bin/time -f "%U %S %e" -o "$work/time" taskset -c 1 "$work/gogen" --url "ws://127.0.0.1:$port/ws" --clients 1000 \
    --rooms 1 --publishers 10 --rate "$rate" --warmup "${warmup}s" --duration "${duration}s" >"$work/gen.log" 2>&1 || true
  after=$(cpu_ticks "$server")
  local frames=$(( $(metric scalechat_frames_sent_total) - frames0 )) objects=$(( $(metric scalechat_objects_sent_total) - objects0 ))
  stop_server
  python3 - "$rate" "$before" "$after" "$hz" "$frames" "$objects" "$(cat "$work/time")" "$(tail -1 "$work/gen.log")" "$warmup" "$duration" <<'PY'
import json, sys
rate, before, after, hz, frames, objects = (int(x) for x in sys.argv[1:7])
user, system, elapsed = (float(x) for x in sys.argv[7].split())
try:
    g = json.loads(sys.argv[8])
except ValueError:
    g = {"error": sys.argv[8]}
deliveries = rate * 1000 * (int(sys.argv[9]) + int(sys.argv[10]))
g.update(rate=rate * 1000, serverUsPerDelivery=(after - before) / hz / deliveries * 1e6,
         objectsPerFrame=objects / frames if frames else None, generatorCpu=(user + system) / elapsed)
print(json.dumps(g))
PY
}

row() { # a fan-out JSON line as a table row; $2, when given, is a first column naming the server
  python3 - "$1" "${2:-}" <<'PY'
import json, sys
g = json.loads(sys.argv[1])
first = f"| {sys.argv[2]} " if sys.argv[2] else ""
if "error" in g:
    print(first + "| {:,} | failed: {} | | | | | |".format(g["rate"], g["error"]))
else:
    per_frame = "" if g["objectsPerFrame"] is None else "{:.1f}".format(g["objectsPerFrame"])
    print(first + "| {:,} | {:,} of {:,} | {:.1f} | {:.1f} | {:.2f} | {} | {:.0f}%, late {:.1f} ms |".format(
        g["rate"], g["delivered"], g["expected"], g["p50Ms"], g["p99Ms"], g["serverUsPerDelivery"],
        per_frame, g["generatorCpu"] * 100, g["schedulerLateP99Ms"]))
PY
}

{
  echo "# Server performance run, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  # Named inside the repository, or only as "given", so the results speak of the project alone.
  case $SERVER_DLL in "$here"/*) build=${SERVER_DLL#"$here"/} ;; *) build="given in SERVER_DLL" ;; esac
  echo "- Commit: \`$commit\`; server build: \`$build\`"
  echo "- Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), .NET $(dotnet --version)"
  echo "- Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Command: \`STEPS=\"$steps\" PASSES=$passes RATES=\"$rates\" CEILING=\"$ceiling\" WARMUP=$warmup DURATION=$duration CONNECT_WARMUP=$connect_warmup bench/run.sh\`"
  echo
} >"$out"

if [[ " $steps " == *" fanout "* || " $steps " == *" ceiling "* || " $steps " == *" connect "* || " $steps " == *" peer "* ]]; then
  (cd "$here/bench/gogen" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/gogen" .)
fi

header='| deliveries/s | delivered | p50 ms | p99 ms | server µs per delivery | objects per frame | generator CPU, schedule late p99 |
|---:|---:|---:|---:|---:|---:|---|'

if [[ " $steps " == *" fanout "* ]]; then
  { echo "## Fan-out: 1,000 clients in one room, server on CPU 0, generator on CPU 1"; echo; echo "$header"; } >>"$out"
  for rate in $rates; do
    for _ in $(seq "$passes"); do
      line=$(fanout_run "$rate"); echo "$line" >&2; row "$line" >>"$out"
    done
  done
  echo >>"$out"
fi

if [[ " $steps " == *" ceiling "* ]]; then
  { echo "## Ceiling: the largest rate with p99 under 50 ms and nothing lost"; echo; echo "$header"; } >>"$out"
  best=0 failed=0
  for rate in $ceiling; do
    line=$(fanout_run "$rate"); echo "$line" >&2; row "$line" >>"$out"
    ok=$(python3 -c 'import json,sys; g=json.loads(sys.argv[1]); print(int("error" not in g and g["lost"] == 0 and g["p99Ms"] < 50))' "$line")
    if [ "$ok" = 1 ]; then best=$((rate * 1000)) failed=0; else failed=$((failed + 1)); fi
    [ "$failed" -lt 2 ] || break
  done
  { echo; echo "Largest rate that held (the search stops after two failures in a row): **$(python3 -c "print(f\"{$best:,}\")") deliveries/s**."; echo; } >>"$out"
fi

if [[ " $steps " == *" idle "* || " $steps " == *" connect "* || " $steps " == *" alloc "* ]]; then
  dotnet build -c Release "$here/bench/ScaleChat.Benchmarks" -v q -nologo >/dev/null
fi
bench=$here/bench/ScaleChat.Benchmarks/bin/Release/net10.0/ScaleChat.Benchmarks.dll

if [[ " $steps " == *" idle "* ]]; then
  { echo "## Memory per idle connection (a server process of this tree, idle clients in another process)"; echo;
    echo "| connections held | managed heap per connection | working set per connection |"; echo "|---:|---:|---:|"; } >>"$out"
  for count in $idle_counts; do
    dotnet "$bench" server-idle --port "$port" --clients "$count" >"$work/idle.log" 2>&1 &
    server=$!
    for _ in $(seq 150); do grep -q "waiting for" "$work/idle.log" && break; sleep 0.2; done
    dotnet "$bench" idle --url "ws://127.0.0.1:$port/ws" --clients "$count" --hold 300 >"$work/clients.log" 2>&1 &
    clients=$!
    wait "$server" || true; server=""
    kill "$clients" 2>/dev/null || true; wait "$clients" 2>/dev/null || true
    held=$(sed -n 's/^connections: //p' "$work/idle.log")
    heap=$(sed -n 's/^managed heap per idle connection: \(.*\) bytes/\1/p' "$work/idle.log")
    ws=$(sed -n 's/^working set per idle connection: \(.*\) bytes/\1/p' "$work/idle.log")
    echo "| ${held:-failed} | ${heap:-?} B | ${ws:-?} B |" >>"$out"
  done
  echo >>"$out"
fi

if [[ " $steps " == *" connect "* ]]; then
  { echo "## Connect rate (open mode): the server pinned to CPU 0, \`bench/gogen --connect\` pinned to CPU 1"; echo
    echo "A round connects 5,000 clients, 64 at a time, each saying hello and waiting for welcome, then closes them."
    echo "$connect_warmup rounds first warm the server up: its code is still being compiled to its final tier through the"
    echo "first tens of thousands of connections. Server CPU counts the connect, the hello and the close."; echo
    echo "| pass | connections/s | server CPU per connection |"; echo "|---:|---:|---:|"; } >>"$out"
  start_server
  for _ in $(seq "$connect_warmup"); do taskset -c 1 "$work/gogen" --connect --url "ws://127.0.0.1:$port/ws" --clients 5000 >/dev/null 2>&1; sleep 1; done
  for pass in $(seq "$passes"); do
    before=$(cpu_ticks "$server")
    line=$(taskset -c 1 "$work/gogen" --connect --url "ws://127.0.0.1:$port/ws" --clients 5000 2>&1 | tail -1)
    sleep 1 # the closes
    after=$(cpu_ticks "$server")
    python3 - "$pass" "$line" "$before" "$after" "$hz" >>"$out" <<'PY'
import json, sys
try:
    g = json.loads(sys.argv[2])
    print("| {} | {:,.0f} | {:.0f} µs |".format(sys.argv[1], g["perSecond"], (int(sys.argv[4]) - int(sys.argv[3])) / int(sys.argv[5]) / g["connected"] * 1e6))
except ValueError:
    print("| {} | failed: {} | |".format(sys.argv[1], sys.argv[2]))
PY
  done
  stop_server
  { echo; echo "Open against token mode (\`connect-cost\`: a .NET client on both cores beside the server, after 1,000 connections of warm-up):"; echo; } >>"$out"
  dotnet "$bench" connect-cost --server "$dll" --connections 5000 --rounds 2 | grep '^|' >>"$out" || echo "(failed)" >>"$out"
  echo >>"$out"
fi

if [[ " $steps " == *" alloc "* ]]; then
  { echo "## Allocations on the fan-out path (BenchmarkDotNet, short job)"; echo; } >>"$out"
  # From the project's folder: BenchmarkDotNet builds its runner from the project file there.
  (cd "$here/bench/ScaleChat.Benchmarks" && dotnet "$bench" --filter '*ServerFanOut*' --job short --memory --exporters github \
    --artifacts "$work/bdn" >/dev/null 2>&1) || true
  cat "$work"/bdn/results/*ServerFanOut*-report-github.md >>"$out" 2>/dev/null || echo "(failed)" >>"$out"
  echo >>"$out"
fi

if [[ " $steps " == *" peer "* ]]; then
  [ -d "$here/bench/nodews/node_modules" ] || npm ci --prefix "$here/bench/nodews" --no-audit --no-fund >/dev/null
  { echo "## Server CPU per delivery against node's \`ws\` (bench/nodews, node $(node --version)): same generator, same shape, alternated"; echo
    echo "| server $header" | head -1; echo "|---$(echo "$header" | tail -1)"; } >>"$out"
  for rate in $peer_rates; do
    for _ in $(seq "$passes"); do
      for kind in scalechat node; do
        line=$(fanout_run "$rate" "$kind"); echo "$kind $line" >&2; row "$line" "$kind" >>"$out"
      done
    done
  done
  echo >>"$out"
fi

echo "wrote $out"
