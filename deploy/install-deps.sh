#!/usr/bin/env bash
# Installs everything socialgate needs to build, run and test on Debian 12, from Debian's
# packages only. Safe to run again; other jobs may hold the dpkg lock, so wait for it.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libcpp-httplib-dev libssl-dev libhiredis-dev nlohmann-json3-dev catch2
  redis-server redis-tools curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"
fi
