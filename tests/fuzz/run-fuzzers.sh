#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time:
#   tests/fuzz/run-fuzzers.sh [seconds per target]   (default 30; CI uses a short run)
# Each run first replays the target's committed seeds (corpus/<target>/) and the inputs of
# crashes found before (regressions/<target>/). A new crash is written to build-fuzz/crashes/;
# copy it to regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
bash deploy/install-deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSG_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz --target fuzz_all
mkdir -p build-fuzz/crashes
status=0
for binary in build-fuzz/tests/fuzz/fuzz_*; do
  target=$(basename "$binary")
  work=build-fuzz/corpus/$target
  mkdir -p "$work"
  seeds=()
  for dir in tests/fuzz/corpus/$target tests/fuzz/regressions/$target; do
    [ -d "$dir" ] && seeds+=("$dir")
  done
  echo "== $target: ${seconds}s"
  if ! "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="build-fuzz/crashes/$target-" -print_final_stats=1 "$work" "${seeds[@]}" \
      > "build-fuzz/$target.log" 2>&1; then
    echo "FAILED: $target (see build-fuzz/$target.log and build-fuzz/crashes/)"
    tail -30 "build-fuzz/$target.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "build-fuzz/$target.log" | tr '\n' ' '
    echo
  fi
done
exit $status
