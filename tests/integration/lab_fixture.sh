#!/usr/bin/env bash
# ctest fixture for the lab scenarios: brings the network-namespace lab up or down.
# Without root or network namespaces it says SKIP loudly (exit 77); with CI=true it fails instead.
set -uo pipefail
lab="$(cd "$(dirname "$0")/../lab" && pwd)/lab"
why=""
if [ "$(id -u)" -ne 0 ]; then why="not root: the lab needs network namespaces"
elif ! ip netns list >/dev/null 2>&1; then why="'ip netns' does not work here"; fi
if [ -n "$why" ]; then
  if [ "${CI:-}" = "true" ]; then echo "FAIL: $why (CI=true: the lab may not be skipped)"; exit 1; fi
  echo "SKIP: $why -- the lab did NOT run"; exit 77
fi
case "${1:-}" in
  up) exec "$lab" up ;;
  down) exec "$lab" down ;;
  *) echo "usage: lab_fixture.sh up|down" >&2; exit 2 ;;
esac
