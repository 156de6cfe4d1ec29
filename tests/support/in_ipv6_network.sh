#!/usr/bin/env bash
# Runs a command in a network namespace of its own whose loopback also carries two IPv6 test
# networks: fd00:5167:0:1::1 to ::20 (one /64) and fd00:5167:0:2::1 to ::4 (another), so tests can
# connect from many addresses of one /64 as an IPv6 host can. Nothing outside the namespace
# changes; everything the command starts (redis-server, the dev IdP, socialgate) runs inside it.
# Exits 77 (CTest: skipped) only when this machine cannot make a network namespace, saying why.
set -euo pipefail
if ! unshare --net true 2>/dev/null; then
  # Listing the tests (CTest's discovery at build time) needs no network.
  case " $* " in *" --list-test-names-only "*|*" --list-reporters "*) exec "$@" ;; esac
  echo "skipped: 'unshare --net' is not allowed here (needs root or CAP_SYS_ADMIN); the IPv6 limit tests need their own network namespace" >&2
  exit 77
fi
exec unshare --net bash -c '
  set -e
  ip link set lo up
  for i in $(seq 1 20); do ip -6 addr add fd00:5167:0:1::$i/64 dev lo nodad; done
  for i in $(seq 1 4); do ip -6 addr add fd00:5167:0:2::$i/64 dev lo nodad; done
  exec "$@"' in_ipv6_network "$@"
