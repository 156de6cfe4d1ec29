#!/usr/bin/env bash
# Installs everything socialgate needs to build, run and test on Debian 12, from Debian's
# packages only. Safe to run again; other jobs may hold the dpkg lock, so wait for it.
set -euo pipefail
# The package lists live in deploy/packages/ (build.txt and runtime.txt are read by the Dockerfile
# too; test.txt holds what only the tests and the local demo need).
packages_dir="$(dirname "$0")/packages"
packages=()
for list in build runtime test; do
  while read -r p; do packages+=("$p"); done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$packages_dir/$list.txt")
done
# Node.js for the pinned npm test tools, from Debian only where the machine has none (another
# Node.js build already brings its own npm, and Debian's npm package would clash with it).
command -v npm >/dev/null || packages+=(nodejs npm)
# kubectl likewise: Debian's is kubernetes-client (1.20, kustomize v2.0.3); another kubectl
# package owns the same file.
command -v kubectl >/dev/null || packages+=(kubernetes-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update
  # Packages like nginx and redis-server start a system daemon when installed (nginx on :80).
  # The tests start their own servers on random ports, so keep the package scripts from
  # starting any, unless the machine already has a policy of its own.
  policy=/usr/sbin/policy-rc.d
  added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod +x "$policy"
    added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}" || status=$?
  [ -n "$added_policy" ] && $sudo_cmd rm -f "$policy"
  [ -z "${status:-}" ] || exit "$status"
fi
