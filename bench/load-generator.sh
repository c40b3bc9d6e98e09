#!/usr/bin/env bash
# Measures what a load generator costs per delivery and what it reports, against one server,
# with the server pinned to CPU 0 and the generator to CPU 1.
#
#   bench/load-generator.sh GENERATOR RATE [extra generator flags...]
#
# GENERATOR is `scalechat` (the build in src/ScaleChat.Cli/bin/Release), a path to another
# scalechat.dll (an older build, to compare before and after), or `gogen` (bench/gogen, the
# independent generator written with gorilla/websocket). RATE is messages per second in total to
# CLIENTS clients in one room, so deliveries per second are RATE x CLIENTS. Prints one line:
# the generator's CPU (user+system, whole process), its µs per delivery, the server's CPU over
# the same time and µs per delivery, and the generator's own summary.
#
# Environment: CLIENTS (1000), PUBLISHERS (10), WARMUP (3), DURATION (15), PORT (18400),
# SERVER_DLL (the scalechat.dll that serves; copy it aside to keep one server build for a sitting).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gen=$1 rate=$2; shift 2
clients=${CLIENTS:-1000} publishers=${PUBLISHERS:-10} warmup=${WARMUP:-3} duration=${DURATION:-15} port=${PORT:-18400}
server_dll=${SERVER_DLL:-$here/src/ScaleChat.Cli/bin/Release/net10.0/scalechat.dll}
out=$(mktemp -d)

taskset -c 0 dotnet "$server_dll" serve --urls "http://127.0.0.1:$port" \
  --ScaleChat:Limits:MessagesPerSecond=100000 --ScaleChat:Limits:Burst=100000 >"$out/server.log" 2>&1 &
server=$!
# Wait for the server to end: the next run binds the same port.
trap 'kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
server_before=$(cpu_of "$server")
case $gen in
  gogen)
    [ -x "$out/gogen" ] || (cd "$here/bench/gogen" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$out/gogen" .)
    cmd=("$out/gogen" --url "ws://127.0.0.1:$port/ws" --clients "$clients" --rooms 1 --publishers "$publishers"
         --rate "$rate" --warmup "${warmup}s" --duration "${duration}s" "$@") ;;
  *)
    dll=$gen; [ "$gen" = scalechat ] && dll=$here/src/ScaleChat.Cli/bin/Release/net10.0/scalechat.dll
    cmd=(dotnet "$dll" load --url "ws://127.0.0.1:$port/ws" --clients "$clients" --rooms 1 --publishers "$publishers"
         --rate "$rate" --warmup "${warmup}s" --duration "${duration}s" --ramp 2000 --report "$out/report" "$@") ;;
esac
/usr/bin/time -f "%U %S" -o "$out/time" taskset -c 1 "${cmd[@]}" >"$out/gen.log" 2>&1 || true
server_after=$(cpu_of "$server")
# A failed generator makes time(1) write "Command exited with non-zero status N" first.
grep -q "non-zero status" "$out/time" && { echo "the generator failed: $(head -1 "$out/time")"; tail -5 "$out/gen.log"; }
read -r user sys < <(tail -1 "$out/time")
deliveries=$(( rate * clients * (warmup + duration) ))
if [ "$gen" = gogen ]; then
  summary=$(tail -1 "$out/gen.log")
else
  summary=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); l=r['latencyMs']; g=r['generator']; print(json.dumps({'expected':r['expected'],'delivered':r['delivered'],'lost':r['lost'],'deliveriesPerSecond':r['deliveriesPerSecond'],'p50Ms':l['p50'],'p99Ms':l['p99'],'maxMs':l['max'],'cpuPercentMean':g['cpuPercentMean'],'schedulerLateP99Ms':g['schedulerLateMs']['p99'],'saturated':g['saturated']}))" "$out/report/report.json" 2>/dev/null || tail -5 "$out/gen.log")
fi
python3 - "$user" "$sys" "$deliveries" "$server_before" "$server_after" "$hz" "$gen" "$rate" <<'PY'
import sys
user, sys_, deliveries, sb, sa, hz = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
gen_cpu = user + sys_
server_cpu = (sa - sb) / hz
print(f"{sys.argv[7]} rate={sys.argv[8]} deliveries={deliveries} generator_cpu={gen_cpu:.2f}s ({gen_cpu/deliveries*1e6:.2f} us/delivery)"
      f" server_cpu={server_cpu:.2f}s ({server_cpu/deliveries*1e6:.2f} us/delivery)")
PY
echo "$summary"
