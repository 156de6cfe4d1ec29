#!/usr/bin/env bash
# System calls and context switches per verify and per GitHub login (not a test): one replica of
# the tree's build (bench/issue13-benchmark.sh builds it), the same services as that benchmark,
# `perf stat` on tracepoints (they work where this machine's hardware counters do not), 5 s of
# the verify wrk command, then 5 s of logins. Counts, not times: they hardly depend on the load.
#
#   bench/syscall-census.sh            SG_BIN_DIR=<dir> measures another socialgate
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(pwd)/build-bench
site=http://socialgate.bench
client_id=bench-client
client_secret=bench-secret
seconds=${SG_CENSUS_SECONDS:-5}
sg_bin=${SG_BIN_DIR:+$SG_BIN_DIR/socialgate}
sg_bin=${sg_bin:-$build/app/socialgate}
idp_bin=${SG_IDP:-$build/dev-idp/socialgate-dev-idp}
loadtest_bin=${SG_LOADTEST:-$build/loadtest/socialgate-loadtest}
for bin in "$sg_bin" "$idp_bin" "$loadtest_bin"; do
  [ -x "$bin" ] || { echo "no $bin: run bench/issue13-benchmark.sh once (it builds them)" >&2; exit 1; }
done

run=$(mktemp -d /tmp/sg-census.XXXXXX)
source bench/lib/services.sh
source bench/lib/session.sh
trap 'stop_services; rm -rf "$run"' EXIT
start_redis
start_idp
write_auth_config
start_socialgate socialgate
cookie=$(login_session_cookie "$sg_url")

events=raw_syscalls:sys_enter,context-switches
for call in read write writev sendto recvfrom sendmsg recvmsg epoll_wait epoll_pwait epoll_ctl futex poll ppoll \
  select pselect6 clock_nanosleep accept4 close getrandom; do
  events+=",syscalls:sys_enter_$call"
done

# census NAME UNIT COUNT_COMMAND DRIVER...: per-UNIT counts while DRIVER runs; COUNT_COMMAND
# reads how many UNITs the driver served from its output.
census() {
  local name=$1 unit=$2 count_command=$3
  shift 3
  perf stat -e "$events" -p "$sg_pid" -o "$run/$name.perf" &
  local counter=$!
  "$@" >"$run/$name.out" 2>/dev/null || true
  kill -INT "$counter" 2>/dev/null || true
  wait "$counter" 2>/dev/null || true
  local served
  served=$(eval "$count_command" <"$run/$name.out")
  echo "## $name: $served ${unit}s in ${seconds}s; per $unit:"
  awk -v n="$served" '$1 ~ /^[0-9,]+$/ && $2 ~ /sys_enter|context-switches/ {
      gsub(",", "", $1); if ($1 > 0 && n > 0) { name = $2; sub(/^syscalls:sys_enter_/, "", name);
      sub(/^raw_syscalls:sys_enter$/, "all system calls", name); printf "  %8.2f  %s\n", $1 / n, name } }' \
    "$run/$name.perf"
}

census verify request "grep -oE '^ *[0-9]+ requests in' | grep -oE '[0-9]+'" \
  wrk -t2 -c64 -d"${seconds}s" -H "Cookie: sg_sessionid=$cookie" "$sg_url/api/auth/verify"
census logins login "grep -oE '\"logins\":[0-9]+' | grep -oE '[0-9]+'" \
  "$loadtest_bin" --targets "$sg_url" --site "$site" --provider github --users 64 --duration "$seconds" \
  --logins 1000000000 --checks-per-login 0 --user-prefix "census-$RANDOM"
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
