# The binaries a benchmark measures (sourced by bench/issue13-benchmark.sh and
# bench/issue14-benchmark.sh, from the repository root): by default the tree's own, built in
# Release into build-bench; SG_BIN_DIR=<dir> measures another socialgate (flat, or a build dir's
# app/), SG_IDP and SG_LOADTEST other dev IdP and driver binaries. Sets build, sg_bin, idp_bin,
# loadtest_bin.
build=$root/build-bench
build_targets=()
[ -z "${SG_LOADTEST:-}" ] && build_targets+=(socialgate-loadtest)
[ -z "${SG_IDP:-}" ] && build_targets+=(socialgate-dev-idp)
[ -z "${SG_BIN_DIR:-}" ] && build_targets+=(socialgate)
if [ ${#build_targets[@]} -gt 0 ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  # Others may be compiling on this machine: take turns (the lock exists where they use it).
  flock /tmp/sg-build.lock ninja -C "$build" "${build_targets[@]}" >/dev/null
fi

find_bin() {  # find_bin NAME SUBDIR: NAME in $SG_BIN_DIR (flat or as a build dir) or the build
  local dir=${SG_BIN_DIR:-$build}
  for candidate in "$dir/$1" "$dir/$2/$1"; do [ -x "$candidate" ] && { echo "$candidate"; return 0; }; done
  echo "no $1 in $dir" >&2
  return 1
}
sg_bin=$(find_bin socialgate app)
idp_bin=${SG_IDP:-$build/dev-idp/socialgate-dev-idp}
loadtest_bin=${SG_LOADTEST:-$build/loadtest/socialgate-loadtest}
