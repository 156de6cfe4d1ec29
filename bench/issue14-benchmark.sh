#!/usr/bin/env bash
# The benchmark of issue 14 (not a test): verify and login figures in each Redis deployment
# next to standalone, in one run on this machine. For each mode:
#   standalone  one redis-server, plain TCP
#   tls         one redis-server on --tls-port only, a server certificate from a test CA made
#               here with openssl; socialgate with rediss:// and SOCIAL_AUTH_REDIS_CA_FILE
#   sentinel    master + replica + 3 redis-sentinel; REDIS_SENTINELS, REDIS_SENTINEL_MASTER
#   cluster     3 masters made by redis-cli --cluster create; REDIS_CLUSTER_NODES
# it starts the deployment and one socialgate replica on it, signs one user in for a session
# cookie, then measures
#   /api/auth/verify: wrk -t2 -c64 -d<seconds>s --latency with that cookie -> requests/s, p99
#   full GitHub logins: socialgate-loadtest at <users> users for <seconds> s -> logins/s, p99
# and stops the mode's processes. A mode whose socialgate does not start is reported as
# "failed to start (see <log>)" and the run goes on with the next one. The Markdown table
# "mode | verify req/s | verify p99 | logins/s | login p99 | vs standalone" is printed and
# written to bench/results/issue14-<UTC time>.md.
#
#   bench/issue14-benchmark.sh [label]
#
# Knobs: SG_BENCH_SECONDS (10, each wrk and login run), SG_BENCH_USERS (64),
# SG_BENCH_MODES ("standalone tls sentinel cluster", any subset in any order),
# SG_BENCH_KEEP=1 keeps the scratch folder (logs, raw outputs, certificates; it is kept anyway
# when a mode failed, so that the logs the report names exist). SG_BIN_DIR=<dir> measures
# another socialgate (flat, or a build dir's app/); SG_IDP and SG_LOADTEST replace the dev IdP
# and the driver. socialgate's own variables set by the caller win over the benchmark's
# defaults (SOCIALGATE_PROVIDER_WORKERS=64 ...), the mode's Redis variables over both.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
label=${1:-${SG_BIN_DIR:+binaries in $SG_BIN_DIR}}
label=${label:-this tree}
seconds=${SG_BENCH_SECONDS:-10}
users=${SG_BENCH_USERS:-64}
modes=${SG_BENCH_MODES:-standalone tls sentinel cluster}
site=http://socialgate.bench
client_id=bench-client
client_secret=bench-secret

for mode in $modes; do
  case $mode in
    standalone | tls | sentinel | cluster) ;;
    *) echo "unknown mode '$mode' in SG_BENCH_MODES (standalone tls sentinel cluster)" >&2; exit 2 ;;
  esac
done
for tool in redis-server redis-sentinel redis-cli openssl wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (bash deploy/install-deps.sh)" >&2; exit 2; }
done

source bench/lib/binaries.sh

run=$(mktemp -d /tmp/sg-bench14.XXXXXX)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
source bench/lib/services.sh
source bench/lib/session.sh
source bench/lib/redis_modes.sh
cleanup() {
  trap - INT TERM HUP
  stop_services
  if [ -n "${SG_BENCH_KEEP:-}" ] || [ -n "$(cat "$run"/failed-* 2>/dev/null)" ]; then
    echo "scratch folder kept: $run" >&2
  else
    rm -rf "$run"
  fi
}
trap cleanup EXIT
# A non-interactive bash leaves its background children immune to Ctrl-C: exiting through the
# EXIT trap is what stops them.
trap 'echo "interrupted" >&2; exit 130' INT TERM HUP

step() { echo "== $*" >&2; }

# measure NAME COMMAND...: runs COMMAND (output to $run/NAME.txt) and records the CPU seconds
# socialgate and the mode's Redis data nodes used meanwhile in $run/cpu-NAME.txt.
measure() {
  local name=$1
  shift
  local before_sg before_redis after_sg after_redis status=0 pid
  before_sg=$(cpu_seconds "$sg_pid")
  before_redis=$(for pid in "${mode_data_pids[@]}"; do cpu_seconds "$pid"; done | awk '{ s += $1 } END { print s + 0 }')
  "$@" >"$run/$name.txt" 2>"$run/$name.err" || status=$?
  after_sg=$(cpu_seconds "$sg_pid")
  after_redis=$(for pid in "${mode_data_pids[@]}"; do cpu_seconds "$pid"; done | awk '{ s += $1 } END { print s + 0 }')
  echo "$before_sg $after_sg $before_redis $after_redis" >"$run/cpu-$name.txt"
  [ "$status" = 0 ] || echo "$(basename "$1") exited with status $status (see $run/$name.err)" >>"$run/note-$name.txt"
  return 0
}

# run_mode MODE: one mode from Redis up to everything stopped; its outcome in $run/status-MODE
# ("ok", or why not) and, when it failed, $run/failed-MODE.
run_mode() {
  local mode=$1 first=${#bench_pids[@]}
  mode_env=() mode_data_pids=() mode_desc=""
  step "$mode: Redis"
  if ! "start_redis_$mode" 2>"$run/$mode-redis.err"; then
    echo "Redis $mode deployment did not come up: $(tail -1 "$run/$mode-redis.err")" | tee "$run/failed-$mode" >&2
    stop_since "$first"
    return 0
  fi
  echo "$mode_desc" >"$run/desc-$mode"
  step "$mode: socialgate (${mode_env[*]%%=*})"
  if ! start_socialgate_in "socialgate-$mode" "${mode_env[@]}"; then
    local why
    why=$(grep -v '^[[:space:]]*$' "$run/socialgate-$mode.log" | tail -1 | cut -c1-300)
    echo "failed to start ($sg_start_error; see $run/socialgate-$mode.log): $why" | tee "$run/failed-$mode" >&2
    stop_since "$first"
    return 0
  fi
  rm -f "$run/cookies.txt"  # a fresh session for this replica's Redis
  local cookie
  if ! cookie=$(login_session_cookie "$sg_url" 2>"$run/$mode-session.err") || [ -z "$cookie" ]; then
    echo "the session login failed: $(tail -1 "$run/$mode-session.err") (see $run/socialgate-$mode.log)" |
      tee "$run/failed-$mode" >&2
    stop_since "$first"
    return 0
  fi
  step "$mode: wrk -t2 -c64 -d${seconds}s /api/auth/verify"
  measure "$mode-verify" wrk -t2 -c64 -d"${seconds}s" --latency -H "Cookie: sg_sessionid=$cookie" "$sg_url/api/auth/verify"
  if alive "$sg_pid"; then
    step "$mode: $users users of GitHub logins for ${seconds}s"
    measure "$mode-logins" "$loadtest_bin" --targets "$sg_url" --site "$site" --provider github --users "$users" \
      --duration "$seconds" --logins 1000000000 --checks-per-login 0 --user-prefix "$mode"
  fi
  if ! alive "$sg_pid"; then
    local status=0
    wait "$sg_pid" 2>/dev/null || status=$?
    echo "socialgate exited during the measurements (status $status; see $run/socialgate-$mode.log)" |
      tee "$run/failed-$mode" >&2
  fi
  stop_since "$first"
}

step "the dev IdP"
start_idp
write_auth_config
for mode in $modes; do run_mode "$mode"; done
stop_services

mkdir -p bench/results
out=bench/results/issue14-$(date -u +%Y%m%dT%H%M%SZ).md
SG_META_LABEL=$label SG_META_MODES=$modes SG_META_SECONDS=$seconds SG_META_USERS=$users \
SG_META_COMMIT="$(git rev-parse --short HEAD) ($(git log -1 --format=%s | awk '{ print (length($0) > 80 ? substr($0, 1, 77) "..." : $0) }'))$(git diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo ', with uncommitted changes outside bench/')" \
SG_META_SG="$sg_bin" SG_META_REDIS="$(redis-server --version | grep -oE 'v=[0-9.]+' | cut -d= -f2)" \
SG_META_MACHINE="$(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem/ {print $2}') GiB, Linux $(uname -r)" \
SG_META_COMMAND="${SG_BENCH_SECONDS:+SG_BENCH_SECONDS=$SG_BENCH_SECONDS }${SG_BENCH_USERS:+SG_BENCH_USERS=$SG_BENCH_USERS }${SG_BENCH_MODES:+SG_BENCH_MODES=\"$SG_BENCH_MODES\" }${SG_BIN_DIR:+SG_BIN_DIR=$SG_BIN_DIR }bash bench/issue14-benchmark.sh${1:+ \"$1\"}" \
SG_META_LOAD="1/5/15-minute load average $load_before before the run, $(cut -d' ' -f1-3 /proc/loadavg) after" \
python3 bench/lib/issue14_report.py "$run" >"$out"
cat "$out"
echo "written to $out" >&2
