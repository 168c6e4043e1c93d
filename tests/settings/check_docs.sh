#!/bin/bash
# ctest settings.docs_in_sync: the committed docs that come from the settings table
# (README.md's table, the bash completion's values, packaging/man/settings.h2m) must be what
# settings_docs writes from agent/settings_table.cpp today.
# Usage: check_docs.sh SETTINGS_DOCS ROOT
set -eu
tool="$1" root="$2"
files="README.md packaging/completion/vnetdiag.bash packaging/man/settings.h2m"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for f in $files; do
  mkdir -p "$tmp/$(dirname "$f")"
  cp "$root/$f" "$tmp/$f" 2>/dev/null || : >"$tmp/$f"
done
"$tool" "$tmp"
drift=0
for f in $files; do
  if ! diff -u --label "committed $f" --label "from the table $f" "$root/$f" "$tmp/$f"; then
    drift=1
  fi
done
if [ "$drift" -ne 0 ]; then
  echo "FAIL: the files above drifted from agent/settings_table.cpp. Regenerate them with:"
  echo "  cmake --build build --target settings_docs && build/tests/settings/settings_docs ."
  exit 1
fi
echo "ok: $files match the settings table"
