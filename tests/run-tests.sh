#!/usr/bin/env bash
# Builds socialgate with warnings as errors and runs the whole test suite (CTest + Catch2).
# Tests start their own redis-server, dev IdP and socialgate processes on random loopback ports.
#
#   tests/run-tests.sh              the normal build (build/)
#   tests/run-tests.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh

build_dir=build
flags=(-DSG_WERROR=ON -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  flags+=(-DSG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions="$(pwd)/tests/lsan.supp"
fi
# The interop test runs the npm package oidc-provider, pinned in tests/interop/package-lock.json.
npm ci --prefix tests/interop --no-audit --no-fund >/dev/null
# The CVAT browser test drives Debian's chromium with playwright-core, pinned in
# tests/cvat/browser/package-lock.json.
npm ci --prefix tests/cvat/browser --no-audit --no-fund >/dev/null
cmake -S . -B "$build_dir" -G Ninja "${flags[@]}"
cmake --build "$build_dir"
ctest --test-dir "$build_dir" --output-on-failure -j2
