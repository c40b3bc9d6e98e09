#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, starts the services they
# use (each on a free loopback port), runs every test project, and stops what it started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Debian packages the tests use: a real Redis for the backplane tests, and a real Chromium
# (headless) for the browser tests of the chat page and the dashboard.
packages=(redis-server chromium)
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

set +e
dotnet test ScaleChat.slnx -c Release 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole suite.
count() { grep -Eo "$1: +[0-9]+" "$work/test.log" | awk '{ s += $2 } END { print s + 0 }'; }
echo "$(count Passed) passed, $(count Failed) failed"
exit "$status"
