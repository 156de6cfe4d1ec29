# Where the time goes: a profile of socialgate while a driver runs. perf when the machine gives
# perf its hardware counters (`perf stat -e instructions true` counts something); otherwise
# valgrind's callgrind on a shorter run of a separate replica (instructions executed, per
# function; it cannot see time spent in the kernel or waiting, such as context switches).
# Sourced by bench/issue13-benchmark.sh.

perf_counts_instructions() {
  perf stat -x, -e instructions true 2>&1 >/dev/null | grep -qE '^[0-9]+,'
}

profiler_name() {
  if perf_counts_instructions; then echo perf; else echo callgrind; fi
}

# profile NAME DRIVER...: runs DRIVER (a command; "{url}" in it is replaced by the profiled
# replica's URL) against socialgate under the profiler; the profiler's report goes to
# $run/profile-NAME.txt and the driver's output to $run/profile-NAME-driver.txt (report.py
# picks the top functions). Without hardware counters, callgrind's view is completed by perf
# sampling on the software CPU clock ($run/profile-NAME-clock.txt): coarser, but it sees the
# kernel (context switches, syscalls) and real time rather than instruction counts.
profile() {
  local name=$1
  shift
  if [ "$(profiler_name)" = perf ]; then
    sample_profile "$name" "$run/profile-$name.txt" cycles "$@"
    return 0
  fi
  sample_profile "$name-clock" "$run/profile-$name-clock.txt" cpu-clock "$@"
  local pids_before=${#bench_pids[@]} main_pid=$sg_pid main_url=$sg_url
  # Instrumentation starts with the driver, so start-up (config, keys, connections) stays out.
  start_socialgate "profile-$name" valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$run/$name.callgrind"
  callgrind_control -i on "$sg_pid" >/dev/null 2>&1
  run_driver "$sg_url" "$@" >"$run/profile-$name-driver.txt" 2>&1 || true
  callgrind_control -i off "$sg_pid" >/dev/null 2>&1 || true
  stop_one "$sg_pid" 120
  bench_pids=("${bench_pids[@]:0:$pids_before}")
  sg_pid=$main_pid sg_url=$main_url
  callgrind_annotate --inclusive=no "$run/$name.callgrind" >"$run/profile-$name.txt" 2>/dev/null || true
}

# sample_profile NAME OUT EVENT DRIVER...: perf record on the running replica while DRIVER runs,
# self time by library and symbol into OUT.
sample_profile() {
  local name=$1 out=$2 event=$3
  shift 3
  perf record -e "$event" -F 999 -o "$run/$name.perf" -p "$sg_pid" >/dev/null 2>&1 &
  local recorder=$!
  run_driver "$sg_url" "$@" >"$run/profile-$name-driver.txt" 2>&1 || true
  kill -INT "$recorder" 2>/dev/null || true
  wait "$recorder" 2>/dev/null || true
  perf report -i "$run/$name.perf" --stdio --no-children --sort dso,symbol --percent-limit 0.5 >"$out" 2>/dev/null || true
}

run_driver() {
  local url=$1
  shift
  local args=()
  for a in "$@"; do args+=("${a//\{url\}/$url}"); done
  "${args[@]}"
}
