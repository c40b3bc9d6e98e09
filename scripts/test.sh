#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, starts the services they
# use (each on a free loopback port), runs every test project, and stops what it started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Debian packages the tests use: a real Redis for the backplane tests, a real Chromium (headless)
# for the browser tests of the chat page and the dashboard, and prometheus (with promtool) for the
# metrics and deployment tests.
packages=(redis-server chromium prometheus)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: please install: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
    exit 2
  fi
  echo "Installing ${missing[*]}..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Redis, with no persistence, for the tests that need one; they read its address from here.
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --daemonize no --logfile "$work/redis.log" &
pids+=($!)
export SCALECHAT_TEST_REDIS="127.0.0.1:$redis_port"
for _ in $(seq 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done

# The code style of .editorconfig (whitespace, import order, naming), as `dotnet format` fixes it.
dotnet format ScaleChat.slnx --verify-no-changes >"$work/format.log" 2>&1 || {
  grep -E "error|warning" "$work/format.log" | head -20 >&2
  echo "test.sh: the code is not formatted: run 'dotnet format ScaleChat.slnx'" >&2
  exit 1
}

# The image's build step: the Dockerfile's own publish command, into a temporary folder, then the
# published server answers --help. (No Docker engine is needed for this part of the image.)
publish="$(sed -n 's/^ *\(dotnet publish .*\) -o \/app$/\1/p' deploy/Dockerfile)"
if [ -z "$publish" ]; then
  echo "test.sh: no 'dotnet publish ... -o /app' line in deploy/Dockerfile" >&2
  exit 1
fi
echo "Dockerfile build step: $publish"
$publish -o "$work/publish" >"$work/publish.log" 2>&1 || { cat "$work/publish.log"; exit 1; }
dotnet "$work/publish/scalechat.dll" serve --help >/dev/null

# The README's install: the CLI packed as a .NET tool and installed from that local folder, into a
# temporary tool path (not globally); the installed `scalechat` serves, answers health and the page.
dotnet pack src/ScaleChat.Cli -c Release -o "$work/package" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
dotnet tool install --tool-path "$work/tools" --add-source "$work/package" ScaleChat.Cli >"$work/tool.log" 2>&1 || { cat "$work/tool.log"; exit 1; }
tool_port="$(free_port)"
"$work/tools/scalechat" serve --urls "http://127.0.0.1:$tool_port" >"$work/tool-serve.log" 2>&1 &
tool_pid=$!
pids+=("$tool_pid")
for _ in $(seq 100); do
  "$work/tools/scalechat" health --url "http://127.0.0.1:$tool_port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
"$work/tools/scalechat" health --url "http://127.0.0.1:$tool_port/healthz" || { cat "$work/tool-serve.log"; exit 1; }
python3 -c "import sys, urllib.request; page = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode(); assert '<main' in page, page[:200]" \
  "http://127.0.0.1:$tool_port/" || { echo "test.sh: the installed tool does not serve the chat page" >&2; exit 1; }
kill "$tool_pid"
wait "$tool_pid" 2>/dev/null || true
echo "Installed tool: dotnet tool install from $work/package gives a working scalechat"

set +e
dotnet test ScaleChat.slnx -c Release 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole suite.
count() { grep -Eo "$1: +[0-9]+" "$work/test.log" | awk '{ s += $2 } END { print s + 0 }'; }
echo "$(count Passed) passed, $(count Failed) failed"
exit "$status"
