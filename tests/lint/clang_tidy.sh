#!/usr/bin/env bash
# clang-tidy's bugprone, cert and performance checks (.clang-tidy at the root) over vnetdiag's own
# sources, every warning an error. usage: clang_tidy.sh SOURCE_DIR BUILD_DIR (with its
# compile_commands.json)
set -uo pipefail
src=$1 build=$2
if ! command -v run-clang-tidy >/dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: run-clang-tidy is not installed (packaging/setup-debian.sh installs clang-tidy)"
    exit 1
  fi
  echo "SKIP: run-clang-tidy is not installed -- clang-tidy did NOT run"
  exit 77
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run-clang-tidy -quiet -p "$build" -j "$(nproc)" -extra-arg=-Wno-sign-conversion \
  -extra-arg=-Wno-sign-compare "$src/(agent|probes|report)/.*\.cpp$" >"$log" 2>&1
rc=$?
# What remains after the per-file noise is what clang-tidy found.
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -vE '^[0-9]+ warnings? generated|^Suppressed [0-9]+ warnings|^Use -header-filter|^clang-tidy-[0-9]+ |^$' || true
files=$(grep -cE '^clang-tidy-[0-9]+ ' "$log")
echo "clang-tidy: $files files checked, exit $rc"
exit $rc
