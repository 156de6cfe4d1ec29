#!/usr/bin/env bash
# Builds socialgate and runs a local deployment: redis-server on a free loopback port, the
# development IdP, and two socialgate replicas sharing that Redis. Ctrl-C stops everything.
#
#   SG_PORT_A (8080), SG_PORT_B (8081), SG_IDP_PORT (9000) choose the ports.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build

port_a=${SG_PORT_A:-8080}
port_b=${SG_PORT_B:-8081}
idp_port=${SG_IDP_PORT:-9000}
run_dir="$root/.run"
mkdir -p "$run_dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() {  # wait_for URL: poll until it answers, for up to 15 s
  for _ in $(seq 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "gave up waiting for $1" >&2
  return 1
}

# Redis on a random free loopback port.
for _ in $(seq 30); do
  redis_port=$((20000 + RANDOM % 30000))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run_dir" \
    >"$run_dir/redis.log" 2>&1 </dev/null &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then pids+=("$redis_pid"); break; fi
  kill "$redis_pid" 2>/dev/null || true
done

base_url="http://127.0.0.1:$port_a"
build/dev-idp/socialgate-dev-idp --listen "127.0.0.1:$idp_port" --client "dev-client:dev-secret:$base_url/" \
  >"$run_dir/dev-idp.log" 2>&1 </dev/null &
pids+=($!)
wait_for "http://127.0.0.1:$idp_port/_dev/stats"

export USE_ALLAUTH_SOCIAL_ACCOUNTS=True
export CVAT_BASE_URL="$base_url"
export SOCIAL_AUTH_GITHUB_CLIENT_ID=dev-client
export SOCIAL_AUTH_GITHUB_CLIENT_SECRET=dev-secret
export SOCIAL_AUTH_GITHUB_URL="http://127.0.0.1:$idp_port"
export SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
for port in "$port_a" "$port_b"; do
  SOCIALGATE_LISTEN="127.0.0.1:$port" build/app/socialgate >"$run_dir/socialgate-$port.log" 2>&1 </dev/null &
  pids+=($!)
  wait_for "http://127.0.0.1:$port/healthz"
done

cat <<TXT

socialgate is running (logs in $run_dir):
  replica A:  http://127.0.0.1:$port_a/      (the public base URL: callbacks come back here)
  replica B:  http://127.0.0.1:$port_b/      (start a login here; it finishes on A)
  dev IdP:    http://127.0.0.1:$idp_port/login/oauth/authorize  (GitHub's protocol; pick any user)
  Redis:      127.0.0.1:$redis_port
Try:  open http://127.0.0.1:$port_b/ , sign in with GitHub, then
      http://127.0.0.1:$port_a/api/users/self  and  http://127.0.0.1:$port_b/api/users/self
Ctrl-C stops everything.
TXT
wait -n "${pids[@]}"
