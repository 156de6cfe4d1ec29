#!/usr/bin/env bash
# Benchmark (not part of the test suite): Redis, the dev IdP and two socialgate replicas on
# this machine, then socialgate-loadtest for full GitHub logins and for session checks, with
# each replica's peak resident memory sampled throughout. Rate limits are off for it.
#   bench/run-benchmark.sh [users=64] [seconds=20]
# Writes bench/results/<UTC time>.md with the figures and the command lines.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
users=${1:-64}
seconds=${2:-20}
bash deploy/install-deps.sh >/dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench >/dev/null

run=$(mktemp -d)
pids=()
# SG_BENCH_KEEP=1 keeps the services' logs (their folder is printed at the end).
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${SG_BENCH_KEEP:-}" ]; then echo "logs kept in $run"; else rm -rf "$run"; fi
}
trap cleanup EXIT

listening_port() {  # listening_port LOG: wait for socialgate's/dev IdP's "listening" line
  for _ in $(seq 200); do
    port=$(grep -o '"port":[0-9]*' "$1" 2>/dev/null | head -1 | cut -d: -f2)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.05
  done
  echo "no listening line in $1" >&2; cat "$1" >&2; return 1
}

for _ in $(seq 30); do
  redis_port=$((20000 + RANDOM % 30000))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run" >"$run/redis.log" 2>&1 </dev/null &
  rp=$!
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then pids+=("$rp"); break; fi
  kill "$rp" 2>/dev/null || true
done

site=http://socialgate.bench
build-bench/dev-idp/socialgate-dev-idp --listen 127.0.0.1:0 --threads 512 --client "bench-client:bench-secret:$site/" >"$run/idp.log" 2>&1 </dev/null &
pids+=($!)
idp_port=$(listening_port "$run/idp.log")

targets=()
replica_pids=()
for name in a b; do
  USE_ALLAUTH_SOCIAL_ACCOUNTS=True CVAT_BASE_URL=$site SOCIAL_AUTH_GITHUB_CLIENT_ID=bench-client \
  SOCIAL_AUTH_GITHUB_CLIENT_SECRET=bench-secret SOCIAL_AUTH_GITHUB_URL=http://127.0.0.1:$idp_port \
  SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True SOCIALGATE_LISTEN=127.0.0.1:0 REDIS_URL=redis://127.0.0.1:$redis_port/0 \
  SOCIAL_AUTH_RATE_LIMITS=off SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS=1000000 \
  SOCIALGATE_PROVIDER_WORKERS=${SG_WORKERS:-32} SOCIALGATE_LOG_LEVEL=${SG_LOG_LEVEL:-warning} \
    build-bench/app/socialgate >"$run/replica-$name.log" 2>&1 </dev/null &
  pid=$!
  pids+=("$pid"); replica_pids+=("$pid")
  targets+=("http://127.0.0.1:$(listening_port "$run/replica-$name.log")")
done
target_list=$(IFS=,; echo "${targets[*]}")

# Peak RSS of each replica, sampled every 200 ms for as long as the benchmark runs.
(
  while true; do
    for pid in "${replica_pids[@]}"; do
      rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
      echo "$pid $rss"
    done
    sleep 0.2
  done
) > "$run/rss.log" &
sampler=$!
pids+=("$sampler")

login_cmd="socialgate-loadtest --targets $target_list --site $site --provider github --users $users --duration $seconds --logins 100000000 --checks-per-login 0"
echo "== full logins: $login_cmd"
build-bench/loadtest/$login_cmd > "$run/logins.txt"
verify_cmd="socialgate-loadtest --targets $target_list --site $site --provider github --users $users --duration $seconds --verify-only --user-prefix v"
echo "== session checks: $verify_cmd"
build-bench/loadtest/$verify_cmd > "$run/verify.txt"
kill "$sampler"

peak() { awk -v p="$1" '$1 == p && $2 > m {m = $2} END {printf "%.1f", m / 1024}' "$run/rss.log"; }
mkdir -p bench/results
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# socialgate benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; everything on one machine (Redis, dev IdP, two replicas, the load generator)."
  echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown). Build: Release. Command: bench/run-benchmark.sh $users $seconds"
  echo
  echo "## Full GitHub logins (start, IdP authorize, callback with token + /user + /user/emails, new account each time)"
  echo '```'; echo "$login_cmd"; grep -v '^RESULT' "$run/logins.txt"; echo '```'
  echo
  echo "## Session checks (/api/auth/verify, keep-alive, round-robin over both replicas)"
  echo '```'; echo "$verify_cmd"; grep -v '^RESULT' "$run/verify.txt"; echo '```'
  echo
  echo "## Peak resident memory"
  echo "replica A: $(peak "${replica_pids[0]}") MiB, replica B: $(peak "${replica_pids[1]}") MiB"
  echo
  echo "Raw:"
  echo '```'; grep '^RESULT' "$run/logins.txt" "$run/verify.txt" | sed "s|$run/||"; echo '```'
} > "$out"
cat "$out"
