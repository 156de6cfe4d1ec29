#!/usr/bin/env bash
# The benchmark of issue 13 (not a test), in one run on this machine:
#   (a) /api/auth/verify at 64 connections vs a one-worker nginx `return 200`, same wrk command
#   (b) full GitHub logins at 64 users vs the dev IdP alone, same driver (socialgate-loadtest)
#   (c) OIDC logins (the dev IdP's ES256 personality as an auth_config.yml IdP) vs the IdP alone
#   (d) 10,000 idle keep-alive connections held open: socialgate's RSS, /healthz meanwhile
#   (e) a profile of where the time goes for (a) and (b)
# then a Markdown table "measured vs target, met or not", printed and written to
# bench/results/<UTC time>.md.
#
#   bench/issue13-benchmark.sh [label]
#
# Binaries: by default the tree is built (Release, build-bench) and measured. SG_BIN_DIR=<dir>
# measures another socialgate instead, e.g. the old server saved in /tmp/sg-before (flat, or a
# build dir's app/). The dev IdP and the driver are always the tree's (or SG_IDP, SG_LOADTEST),
# so that before and after are measured against the same baseline by the same client: the dev
# IdP's keep-alive handling changes the IdP-alone figures and socialgate's login figures alike.
# Knobs: SG_BENCH_SECONDS (10, each wrk and login run), SG_BENCH_USERS (64),
# SG_IDLE_CONNECTIONS (10000), SG_IDLE_HOLD_SECONDS (10), SG_PROFILE_SECONDS (5),
# SG_BENCH_KEEP=1 keeps the scratch folder (logs, raw outputs, profiles). socialgate's own
# variables set by the caller win over the benchmark's (SOCIALGATE_PROVIDER_WORKERS=64 ...).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
label=${1:-${SG_BIN_DIR:+binaries in $SG_BIN_DIR}}
label=${label:-this tree}
seconds=${SG_BENCH_SECONDS:-10}
users=${SG_BENCH_USERS:-64}
idle_count=${SG_IDLE_CONNECTIONS:-10000}
idle_hold=${SG_IDLE_HOLD_SECONDS:-10}
profile_seconds=${SG_PROFILE_SECONDS:-5}
site=http://socialgate.bench
client_id=bench-client
client_secret=bench-secret

bash deploy/install-deps.sh >/dev/null
source bench/lib/binaries.sh
# The old server imports cpp-httplib's Server (a shared library); the new one only its Client.
server_kind="event loop"
if [ "$(nm -D -C -u "$sg_bin" 2>/dev/null | grep -c 'httplib::Server::listen' || true)" != 0 ]; then
  server_kind="cpp-httplib's thread-per-connection server"
fi

# 10,000 held connections need as many descriptors in socialgate and in the client.
ulimit -n "$(ulimit -Hn)"

run=$(mktemp -d /tmp/sg-bench.XXXXXX)
# Other work on the machine skews every figure: the report shows the load around the run.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
source bench/lib/services.sh
source bench/lib/session.sh
source bench/lib/profile.sh
cleanup() {
  stop_services
  if [ -n "${SG_BENCH_KEEP:-}" ]; then echo "scratch folder kept: $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT

step() { echo "== $*" >&2; }

# cpu_during NAME COMMAND...: runs COMMAND and records the CPU seconds socialgate, the dev IdP
# and Redis used meanwhile, plus socialgate's context switches (a software counter: it works
# even where perf has no hardware counters).
cpu_during() {
  local name=$1
  shift
  local before=($(cpu_seconds "$sg_pid") $(cpu_seconds "$idp_pid") $(cpu_seconds "$redis_pid"))
  perf stat -e context-switches,cpu-clock -p "$sg_pid" -o "$run/perf-$name.txt" >/dev/null 2>&1 &
  local counter=$!
  local status=0
  "$@" || status=$?
  [ "$status" = 0 ] || echo "($name) $(basename "$1") exited with status $status" >>"$run/failed-$name.txt"
  kill -INT "$counter" 2>/dev/null || true
  wait "$counter" 2>/dev/null || true
  local after=($(cpu_seconds "$sg_pid") $(cpu_seconds "$idp_pid") $(cpu_seconds "$redis_pid"))
  awk -v a="${before[*]}" -v b="${after[*]}" 'BEGIN { split(a, x); split(b, y);
    printf "%.1f / %.1f / %.1f\n", y[1] - x[1], y[2] - x[2], y[3] - x[3] }' >"$run/cpu-$name.txt"
}

step "services: Redis, the dev IdP, one socialgate replica, nginx"
start_redis
start_idp
write_auth_config
start_socialgate socialgate
start_nginx
cookie=$(login_session_cookie "$sg_url")
[ -n "$cookie" ] || { echo "no session cookie from the login" >&2; exit 1; }

wrk_cmd=(wrk -t2 -c64 -d"${seconds}s" --latency -H "Cookie: sg_sessionid=$cookie")
wrk_shown="wrk -t2 -c64 -d${seconds}s --latency -H 'Cookie: sg_sessionid=<a real session>'"
step "(a) $wrk_shown against nginx, then socialgate's /api/auth/verify"
"${wrk_cmd[@]}" "$nginx_url/" >"$run/a-nginx.txt"
cpu_during a "${wrk_cmd[@]}" "$sg_url/api/auth/verify" >"$run/a-socialgate.txt"
restart_if_dead "(a)"

login_run() {  # login_run LETTER PROTOCOL PROVIDER IDP_URL: the IdP alone, then through socialgate
  local letter=$1 protocol=$2 provider=$3 issuer=$4
  local common=(--site "$site" --provider "$provider" --users "$users" --duration "$seconds" --logins 1000000000)
  step "($letter) $provider logins: the dev IdP alone, then through socialgate"
  cpu_during "$letter-idp" "$loadtest_bin" --idp-alone "$protocol" --idp "$issuer" --client "$client_id:$client_secret" \
    "${common[@]}" --user-prefix "$letter-idp" >"$run/$letter-idp.txt" 2>/dev/null
  cpu_during "$letter" "$loadtest_bin" --targets "$sg_url" "${common[@]}" --checks-per-login 0 \
    --user-prefix "$letter-sg" >"$run/$letter-socialgate.txt" 2>/dev/null
  restart_if_dead "($letter)"
}
login_run b github github "$idp_url"
login_run c oidc oidc/corp "$idp_url/oidc"

step "(e) profile with $(profiler_name): verify under wrk, then GitHub logins (${profile_seconds}s each)"
profile verify wrk -t2 -c64 -d"${profile_seconds}s" --latency -H "Cookie: sg_sessionid=$cookie" "{url}/api/auth/verify"
profile logins "$loadtest_bin" --targets "{url}" --site "$site" --provider github --users "$users" \
  --duration "$profile_seconds" --logins 1000000000 --checks-per-login 0 --user-prefix e-sg

step "(d) $idle_count idle keep-alive connections for ${idle_hold}s"
python3 bench/idle_connections.py --port "${sg_url##*:}" --pid "$sg_pid" --count "$idle_count" \
  --hold "$idle_hold" >"$run/d-idle.json"
restart_if_dead "(d)"
stop_services

loadtest_shown="socialgate-loadtest --site $site --users $users --duration $seconds --logins 1000000000"
SG_META_LABEL=$label SG_META_COMMIT="$(git rev-parse --short HEAD) ($(git log -1 --format=%s | cut -c1-80))" \
SG_META_SG="$sg_bin" SG_META_KIND="$server_kind" SG_META_IDP="$idp_bin" SG_META_LOADTEST="$loadtest_bin" \
SG_META_MACHINE="$(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem/ {print $2}') GiB, Linux $(uname -r)" \
SG_META_COMMAND="${SG_BIN_DIR:+SG_BIN_DIR=$SG_BIN_DIR }${SG_IDP:+SG_IDP=$SG_IDP }bench/issue13-benchmark.sh${1:+ \"$1\"}" \
SG_META_WRK="$wrk_shown <nginx>/ and <socialgate>/api/auth/verify" \
SG_META_B="$loadtest_shown --provider github, once with --idp-alone github --idp <dev IdP> --client <id:secret>, once with --targets <socialgate> --checks-per-login 0" \
SG_META_C="$loadtest_shown --provider oidc/corp, once with --idp-alone oidc --idp <dev IdP>/oidc --client <id:secret>, once with --targets <socialgate> --checks-per-login 0" \
SG_META_D="bench/idle_connections.py --count $idle_count --hold $idle_hold (source addresses 127.0.0.2-11)" \
SG_META_NGINX="nginx $(nginx -v 2>&1 | cut -d/ -f2): worker_processes 1; access_log off; location / { return 200; } on 127.0.0.1" \
SG_META_ENV="SOCIAL_AUTH_RATE_LIMITS=off SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS=1000000 SOCIALGATE_PROVIDER_WORKERS=${SOCIALGATE_PROVIDER_WORKERS:-32} SOCIALGATE_MAX_CONNECTIONS=${SOCIALGATE_MAX_CONNECTIONS:-20000} SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS=${SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS:-20000} SOCIALGATE_KEEPALIVE_IDLE_SECONDS=${SOCIALGATE_KEEPALIVE_IDLE_SECONDS:-300} (the last three exist only in the new server), the rest as tests/support/deployment.cpp" \
SG_META_LOAD="1/5/15-minute load average $load_before before the run, $(cut -d' ' -f1-3 /proc/loadavg) after" \
SG_META_PROFILER="$(profiler_name)" SG_META_PROFILE_SECONDS="$profile_seconds" SG_META_USERS="$users" \
python3 - "$run/meta.json" <<'PY'
import json, os, sys, time
e = os.environ
callgrind = e["SG_META_PROFILER"] == "callgrind"
json.dump({
    "label": e["SG_META_LABEL"], "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "machine": e["SG_META_MACHINE"], "load": e["SG_META_LOAD"], "commit": e["SG_META_COMMIT"], "socialgate": e["SG_META_SG"],
    "server_kind": e["SG_META_KIND"], "idp": e["SG_META_IDP"], "loadtest": e["SG_META_LOADTEST"],
    "command": e["SG_META_COMMAND"],
    "commands": {"(a)": e["SG_META_WRK"], "nginx": e["SG_META_NGINX"], "(b)": e["SG_META_B"],
                 "(c)": e["SG_META_C"], "(d)": e["SG_META_D"]},
    "environment": e["SG_META_ENV"],
    "cpu_order": "socialgate / dev IdP / Redis", "users": int(e["SG_META_USERS"]),
    "profiler_metric": "instructions executed (callgrind, exclusive)" if callgrind else "CPU samples (perf)",
    "profiler_note": ("`perf stat -e instructions` counts nothing on this machine (no hardware counters), so the "
                      "profile is valgrind's callgrind on a separate replica for " + e["SG_META_PROFILE_SECONDS"] +
                      " s per driver, collecting only while the driver runs. It counts instructions in user space: "
                      "time in the kernel (context switches, syscalls) and waiting do not show, and each step of a "
                      "`rep stos`/`rep movs` (glibc's memset and memcpy on large blocks) counts as one instruction, so "
                      "big memsets and copies look far costlier than they are. The CPU-clock samples under each "
                      "profile (perf on the software timer, which works here) show real time, the kernel included.")
                     if callgrind else
                     ("perf record -F 999 -g on the replica while the driver runs, self time by symbol."),
    "profile_commands": {"verify": "wrk -t2 -c64 -d" + e["SG_META_PROFILE_SECONDS"] + "s --latency (same cookie)",
                         "logins": "socialgate-loadtest --provider github --users " + e["SG_META_USERS"] +
                                   " --duration " + e["SG_META_PROFILE_SECONDS"] + " --checks-per-login 0"},
}, open(sys.argv[1], "w"), indent=1)
PY

mkdir -p bench/results
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ).md
python3 bench/lib/report.py "$run" >"$out"
cat "$out"
echo "written to $out" >&2
