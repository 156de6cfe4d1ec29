# Starting and stopping the processes a benchmark measures: Redis, the dev IdP, socialgate and
# nginx, each on a port of its own choosing (or a random free one), with its output in $run.
# Sourced by bench/issue13-benchmark.sh, which sets $run (a scratch folder) and the binaries.

bench_pids=()

# Stops everything started here, newest first; each gets 10 s after SIGTERM, then SIGKILL.
stop_services() {
  local i pid
  for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
    pid=${bench_pids[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  bench_pids=()
}

# stop_one PID [SECONDS]: SIGTERM and wait for it to exit (a profiled process writes its
# profile on exit, which takes a while under valgrind).
stop_one() {
  local pid=$1 seconds=${2:-10}
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "pid $pid still running after ${seconds}s: killed" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# wait_listening LOG PID [SECONDS]: the port of the "listening" log line (socialgate and the dev
# IdP both print one), once it appears.
wait_listening() {
  local log=$1 pid=$2 seconds=${3:-30} port
  for _ in $(seq $((seconds * 20))); do
    port=$(grep -E '"event": ?"listening"' "$log" 2>/dev/null | grep -oE '"port": ?[0-9]+' | head -1 | grep -oE '[0-9]+$')
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "no listening line in $log:" >&2
  tail -20 "$log" >&2
  return 1
}

# wait_http URL STATUS SECONDS: until URL answers STATUS (socialgate's /readyz after start).
wait_http() {
  local url=$1 want=$2 seconds=$3 got
  for _ in $(seq $((seconds * 10))); do
    got=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
    [ "$got" = "$want" ] && return 0
    sleep 0.1
  done
  echo "$url did not answer $want within ${seconds}s (last: $got)" >&2
  return 1
}

# start_redis: sets redis_port.
start_redis() {
  local pid
  for _ in $(seq 30); do
    redis_port=$((20000 + RANDOM % 30000))
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run" \
      >"$run/redis.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
      bench_pids+=("$pid")
      redis_pid=$pid
      return 0
    fi
    kill "$pid" 2>/dev/null || true
  done
  echo "redis-server did not start" >&2
  return 1
}

# start_idp: sets idp_url and idp_pid. 512 threads: cpp-httplib holds one per keep-alive
# connection, and the IdP alone must not be the side that starves.
start_idp() {
  "$idp_bin" --listen 127.0.0.1:0 --threads 512 --client "$client_id:$client_secret:$site/" \
    >"$run/idp.log" 2>&1 </dev/null &
  idp_pid=$!
  bench_pids+=("$idp_pid")
  idp_url="http://127.0.0.1:$(wait_listening "$run/idp.log" "$idp_pid")"
}

# The auth_config.yml of the OIDC benchmark: the dev IdP's ES256 personality as an enterprise
# IdP, configured as tests/support/deployment.cpp configures `corp`.
write_auth_config() {
  cat >"$run/auth_config.yml" <<YAML
sso:
  enabled: true
  identity_providers:
    - id: corp
      protocol: OIDC
      name: Corp SSO
      server_url: $idp_url/oidc
      client_id: $client_id
      client_secret: $client_secret
      token_auth_method: client_secret_post
      email_domain: example.com
      weight: 1
YAML
}

# start_socialgate NAME [WRAPPER...]: one replica (GitHub and the OIDC IdP at the dev IdP), its
# log in $run/NAME.log; sets sg_pid and sg_url. A wrapper (valgrind) runs it for the profile.
# Variables already set in the caller's environment win (SOCIALGATE_PROVIDER_WORKERS=64 ...).
start_socialgate() {
  local name=$1
  shift
  env USE_ALLAUTH_SOCIAL_ACCOUNTS=True CVAT_BASE_URL="$site" \
    SOCIAL_AUTH_GITHUB_CLIENT_ID="$client_id" SOCIAL_AUTH_GITHUB_CLIENT_SECRET="$client_secret" \
    SOCIAL_AUTH_GITHUB_URL="$idp_url" SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True AUTH_CONFIG_PATH="$run/auth_config.yml" \
    SOCIALGATE_LISTEN=127.0.0.1:0 REDIS_URL="redis://127.0.0.1:$redis_port/0" \
    SOCIAL_AUTH_RATE_LIMITS=off SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS=1000000 \
    SOCIALGATE_PROVIDER_WORKERS="${SOCIALGATE_PROVIDER_WORKERS:-32}" \
    SOCIALGATE_MAX_CONNECTIONS="${SOCIALGATE_MAX_CONNECTIONS:-20000}" \
    SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS="${SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS:-20000}" \
    SOCIALGATE_KEEPALIVE_IDLE_SECONDS="${SOCIALGATE_KEEPALIVE_IDLE_SECONDS:-300}" \
    "$@" "$sg_bin" >"$run/$name.log" 2>&1 </dev/null &
  sg_pid=$!
  bench_pids+=("$sg_pid")
  local slow=30
  [ $# -gt 0 ] && slow=300  # under valgrind everything is ~50x slower
  sg_url="http://127.0.0.1:$(wait_listening "$run/$name.log" "$sg_pid" "$slow")"
  wait_http "$sg_url/readyz" 200 "$slow"
}

# start_nginx: the baseline of the issue, one worker, no access log, `return 200`; sets nginx_url.
start_nginx() {
  local port
  mkdir -p "$run/nginx"
  for _ in $(seq 30); do
    port=$((20000 + RANDOM % 30000))
    cat >"$run/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $run/nginx/nginx.pid;
error_log $run/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $run/nginx;
  proxy_temp_path $run/nginx;
  fastcgi_temp_path $run/nginx;
  uwsgi_temp_path $run/nginx;
  scgi_temp_path $run/nginx;
  server {
    listen 127.0.0.1:$port;
    location / { return 200; }
  }
}
CONF
    nginx -e "$run/nginx/error.log" -p "$run/nginx" -c "$run/nginx/nginx.conf" >"$run/nginx/out.log" 2>&1 </dev/null &
    nginx_pid=$!
    if wait_http "http://127.0.0.1:$port/" 200 5 2>/dev/null; then
      bench_pids+=("$nginx_pid")
      nginx_url="http://127.0.0.1:$port"
      return 0
    fi
    kill "$nginx_pid" 2>/dev/null || true
  done
  echo "nginx did not start: $(cat "$run/nginx/error.log")" >&2
  return 1
}

# cpu_seconds PID: user + system CPU time the process has used so far.
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / tck }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# restart_if_dead PHASE: when the replica died during PHASE, notes how (exit status or signal)
# in $run/crashes.txt and starts a fresh one, so that one crash costs one measurement, not the
# rest of the run.
restart_if_dead() {
  local phase=$1 status=0
  kill -0 "$sg_pid" 2>/dev/null && return 0
  wait "$sg_pid" 2>/dev/null || status=$?
  sg_restarts=$((${sg_restarts:-0} + 1))
  local how="status $status"
  [ "$status" -gt 128 ] && how="signal $((status - 128))"
  echo "socialgate exited during $phase ($how); a fresh replica ran the rest" >>"$run/crashes.txt"
  echo "socialgate died during $phase (status $status): restarting it" >&2
  start_socialgate "socialgate-$sg_restarts"
}
